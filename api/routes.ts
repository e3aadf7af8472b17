import type { PayloadCodec, UpdateDefinition } from '@temporalio/common';
import { z } from 'zod';
import { understoodDates } from '../domain/plan-dates';
import { reportCsv } from '../domain/report';
import { WorkflowNotFoundError } from '@temporalio/common';
import { cancelCampaign, reinstateUnit, signOffPhase } from '../workflows/campaign/messages';
import { rosterProblems, type Household } from '../domain/roster';
import { MAX_VISITS_PER_BATCH } from '../domain/visits';
import { unitPhaseWorkflowId } from '../domain/workflow-ids';
import { addHousehold, answerObjection, decideObjection, extendCutoff, fileObjection, recordVisits, review, strikeEntries, submit, UnitPhaseFailure } from '../workflows/unit/messages';
import type { ObjectionView } from '../store/views';
import type { People } from '../store/people';
import type { Locale } from '../domain/notification-text';
import { parseRosterFile, parseVisitsFile, rosterTemplateXlsx, type FileFormat, type RowProblem } from './roster-files';
import { visibleCampaigns, type Action, type Principal } from './access';
import { auditCsv } from './audit';
import { unitNotInCampaign, type Caller, type Campaigns } from './campaigns';
import { codecBody, codecResultSchema, runCodec } from './codec';
import { ApiError, fromRefusal } from './errors';
import type { ReadinessProbe } from './readiness';
import { unitRequestPath, type Updates } from './updates';
import type { NoticeLinks } from './notices';
import type { NotificationDesk } from './delegation-routes';
import {
  campaignListSchema,
  addHouseholdBody,
  answerObjectionBody,
  campaignParams,
  decideObjectionBody,
  noticeLinkSchema,
  noticeParams,
  noticeSchema,
  objectionBody,
  objectionParams,
  objectionSchema,
  campaignStartedSchema,
  startCampaignBody,
  campaignStateSchema,
  extendCutoffBody,
  extensionSchema,
  healthSchema,
  listCampaignsQuery,
  phaseParams,
  phaseQuery,
  phaseViewSchema,
  readinessSchema,
  reportSchema,
  auditTrailSchema,
  reasonBody,
  reinstatementSchema,
  reviewBody,
  reviewResultSchema,
  signOffBody,
  strikeBody,
  strikeSchema,
  submitBody,
  submitResultSchema,
  unitParams,
  unitPhaseParams,
  unitRequestParams,
  requestOutcomeSchema,
  unitViewSchema,
  visitBatchBody,
  visitBody,
  visitsResultSchema,
  visitUploadResultSchema,
  householdErasureSchema,
  personalDataErasureSchema,
  rosterEntryParams,
} from './schemas';

// The route table: path, method, access, schemas, documented statuses and handler of every
// operation. The express app and the OpenAPI document are both built from it, so they agree.

export interface Reply<R> {
  body: R;
  headers?: Record<string, string>;
}

export interface RouteContext {
  params: unknown;
  query: unknown;
  body: unknown;
  /** Present on every route that has an action (the app authenticated the token). */
  caller?: Caller;
  /** An upload route's file, by its Content-Type. */
  file?: { buffer: Buffer; format: FileFormat };
  /** Who is calling, authorized for the route's action on the campaign and unit in its path before the handler runs. */
  principal?: Principal;
  people: People;
  campaigns: Campaigns;
  readiness: ReadinessProbe;
  /** Runs and reads Updates, waiting for their outcome (api/updates.ts). */
  updates: Updates;
  /** The payload codec the worker and the clients use (config/codec.ts). */
  codec: PayloadCodec;
  notices: NoticeLinks;
  /** Substitutes and urges (api/delegation-routes.ts). */
  notifications: NotificationDesk;
  openapi: () => object;
  docsHtml: () => string;
  /** Prefix for Location headers (the configured public URL, or none for relative ones). */
  location: (path: string) => string;
  /** What the caller reads in, by Accept-Language: Simplified Chinese unless it prefers English. */
  locale: Locale;
}

interface TypedContext<P, Q, B> extends Omit<RouteContext, 'params' | 'query' | 'body' | 'caller' | 'principal'> {
  params: P;
  query: Q;
  body: B;
  caller: Caller;
  principal: Principal;
}

interface RouteSpec<PS extends z.ZodType, QS extends z.ZodType, BS extends z.ZodType, RS extends z.ZodType> {
  operationId: string;
  method: 'get' | 'post' | 'delete';
  /** Express-style path; the OpenAPI document turns `:name` into `{name}`. */
  path: string;
  summary: string;
  tag: 'campaigns' | 'phases' | 'units' | 'notices' | 'operations' | 'access';
  /** The access-matrix row; absent for the public operational routes. */
  action?: Action;
  params?: PS;
  query?: QS;
  body?: BS;
  response: { status: number; description: string; schema: RS; mediaType?: 'text/html' | 'text/csv' | typeof FILE_MEDIA_TYPES.xlsx | typeof PDF_MEDIA_TYPE; location?: boolean };
  /** The body is a file, CSV or XLSX, taken as it is (RouteContext.file) instead of JSON. */
  upload?: true;
  /** Every non-success status the route can answer, for the docs. */
  errors: readonly number[];
  /** It runs an Update and answers 202 + Location (pendingSchema) when the outcome is not known in time (api/updates.ts). */
  pending?: true;
  handle(ctx: TypedContext<z.output<PS>, z.output<QS>, z.output<BS>>): Promise<Reply<z.input<RS>>>;
}

export interface Route extends Omit<RouteSpec<z.ZodType, z.ZodType, z.ZodType, z.ZodType>, 'handle'> {
  handle(ctx: RouteContext): Promise<Reply<unknown>>;
}

export function route<PS extends z.ZodType, QS extends z.ZodType, BS extends z.ZodType, RS extends z.ZodType>(spec: RouteSpec<PS, QS, BS, RS>): Route {
  // The app validates params, query and body with the spec's schemas and authenticates before
  // calling, so the context has the shapes the handler's types say.
  return { ...spec, handle: (ctx) => spec.handle(ctx as TypedContext<z.output<PS>, z.output<QS>, z.output<BS>>) } as Route;
}

/** The files a roster or visits upload may be, by format. */
export const FILE_MEDIA_TYPES = { csv: 'text/csv', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' } as const satisfies Record<FileFormat, string>;
/** The printable documents (api/document-routes.ts). */
export const PDF_MEDIA_TYPE = 'application/pdf';

export const SECURED = [401, 403, 429] as const;
export const READ = [...SECURED, 404, 503] as const;
export const WRITE = [400, ...SECURED, 404, 409, 413, 422, 503] as const;

const unitTarget = (p: z.output<typeof unitPhaseParams>) => ({ campaignId: p.campaignId, phase: p.phase, unitId: p.unitId });

/** Objections are filed against, and decided in, the unit's publicity phase. */
const publicityOf = (p: { campaignId: string; unitId: string }) => ({ campaignId: p.campaignId, phase: 'publicity' as const, unitId: p.unitId });

/** Answers, decides or fills one objection, then reads it back from the record; a retry is answered from the objection that carries its request id. */
const updateObjection = async <Req extends { requestId: string; actor: string; receivedAt: string; objection: number }>(
  campaigns: Campaigns,
  caller: Caller,
  params: z.output<typeof objectionParams>,
  update: UpdateDefinition<unknown, [Req]>,
  body: Omit<Req, 'requestId' | 'actor' | 'receivedAt' | 'objection'>,
  requestIdOf: (objection: ObjectionView) => string | undefined,
): Promise<ObjectionView> => {
  await campaigns.updateUnitPhase(publicityOf(params), update, { ...body, objection: params.objection } as Omit<Req, 'requestId' | 'actor' | 'receivedAt'>, caller, (state, id) =>
    state.objections.find((o) => requestIdOf(o) === id),
  );
  return objectionOf(campaigns, params, params.objection);
};

const objectionOf = async (campaigns: Campaigns, target: { campaignId: string; unitId: string }, number: number): Promise<ObjectionView> =>
  (await campaigns.unitPhase(target.campaignId, 'publicity', target.unitId)).objections.find((o) => o.number === number)!;

/** The unit acts on one of its own objections: no reviewer holds such an action, so none is looked up. */
const unitObjectionUpdate = async <Req extends { requestId: string; actor: string; receivedAt: string; objection: number }>(
  { params, body, caller, campaigns }: Pick<RouteContext, 'campaigns'> & { params: z.output<typeof objectionParams>; body: Omit<Req, 'requestId' | 'actor' | 'receivedAt' | 'objection'>; caller: Caller },
  update: UpdateDefinition<unknown, [Req]>,
  requestIdOf: (objection: ObjectionView) => string | undefined,
) => {
  return { body: await updateObjection(campaigns, caller, params, update, body, requestIdOf) };
};

/** The plan's own checks of a list of households (quota, standards, funding sources): every problem, entry by entry, as one 422. */
async function checkedHouseholds(campaigns: Campaigns, target: { campaignId: string; unitId: string }, households: Household[] | undefined, standing: Household[] = []): Promise<Household[] | undefined> {
  const { plan, unit } = await campaigns.planFor(target.campaignId, target.unitId);
  if (!plan.rules) return undefined;
  if (!unit) throw unitNotInCampaign(target.campaignId, target.unitId);
  const problems = rosterProblems(plan.rules, unit, households && [...standing, ...households]);
  if (problems.length) throw new ApiError(422, problems[0]!.type, problems.map((p) => p.message).join('; '), { details: { problems } });
  return households;
}


/** The plan and the unit a roster file is for: only a plan with roster rules (categories, funding sources) has columns to fill. */
export async function fileUnit(campaigns: Campaigns, params: { campaignId: string; unitId: string }) {
  const plan = await campaigns.plan(params.campaignId);
  const unit = plan.units.find((u) => u.id === params.unitId);
  if (!unit) throw new ApiError(404, 'unit-not-found', `no unit ${params.unitId} in campaign ${params.campaignId}`);
  if (!plan.rules) throw new ApiError(409, 'no-roster-rules', `本活动方案未设类别和资金来源,名册以文字报送,没有模板 (campaign ${params.campaignId} has no roster rules: its rosters are free text, not files)`);
  return { plan, unit };
}

/** A file's problems, every row named, as one 422: nothing of it was kept. */
const fileRefused = (problems: RowProblem[]) =>
  new ApiError(422, 'invalid-file', `文件有 ${problems.length} 处问题,未作任何登记:${problems.slice(0, 5).map((p) => p.message).join(';')}${problems.length > 5 ? '……' : ''}`, { details: { problems } });

/** Names the file's row beside each entry a refusal lists (a household another unit lists, a household paid already). */
async function withRows<T>(run: () => Promise<T>, rowOf: (entry: number) => number | undefined): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const list = (items: unknown) => Array.isArray(items) ? items.map((d: { entry?: number }) => (d.entry === undefined ? d : { ...d, row: rowOf(d.entry) })) : items;
    if (err instanceof ApiError && err.extra.details) {
      const { duplicates, problems } = err.extra.details;
      throw new ApiError(err.status, err.code, err.message, { ...err.extra, details: { ...err.extra.details, ...(duplicates ? { duplicates: list(duplicates) } : {}), ...(problems ? { problems: list(problems) } : {}) } });
    }
    throw err;
  }
}

/** The applicant roster's submission, from a list (JSON) or a file: staged in the record, then the Update with its count. */
async function submitRoster(
  { params, caller, campaigns, location }: Pick<RouteContext, 'campaigns' | 'location'> & { params: z.output<typeof unitPhaseParams>; caller: Caller },
  content: Omit<z.output<typeof submitBody>, 'households'>,
  households: Household[] | undefined,
) {
  const staged = households && (await campaigns.stageHouseholds(params, households, caller));
  const result = await campaigns.updateUnitPhase(unitTarget(params), submit, { ...content, ...(staged ? { roster: staged } : {}) }, caller, (state, id) => {
    const earlier = state.submissions.find((s) => s.requestId === id);
    return earlier && { submissionNumber: earlier.number, status: state.status, submittedAt: earlier.submittedAt, receivedAt: earlier.receivedAt };
  });
  return { body: result, headers: { Location: location(`/campaigns/${params.campaignId}/units/${params.unitId}`) } };
}

/** Visits against the unit's approved roster, one request however many; answered from the record once the phase has ended. */
const recordVisitBatch = (campaigns: Campaigns, params: z.output<typeof unitPhaseParams>, visits: z.output<typeof visitBody>[], caller: Caller) =>
  campaigns.updateUnitPhase(unitTarget(params), recordVisits, { visits }, caller, () => undefined);

export const routes: Route[] = [
  route({
    operationId: 'health',
    method: 'get',
    path: '/health',
    summary: 'The process is up (does not touch Temporal).',
    tag: 'operations',
    response: { status: 200, description: 'up', schema: healthSchema },
    errors: [],
    handle: async () => ({ body: { status: 'ok' as const } }),
  }),
  route({
    operationId: 'readiness',
    method: 'get',
    path: '/ready',
    summary: 'Ready to act: the record (PostgreSQL) and Temporal answer and a worker polls the task queue (checked at most every 2 s). 503 with Retry-After and the reason (temporal-unavailable, no-worker, database-unavailable) otherwise.',
    tag: 'operations',
    response: { status: 200, description: 'ready', schema: readinessSchema },
    errors: [503],
    handle: async ({ readiness }) => ({ body: { status: 'ready' as const, temporal: 'reachable', workers: (await readiness.check()).workers } }),
  }),
  route({
    operationId: 'openapi',
    method: 'get',
    path: '/openapi.json',
    summary: 'This API as an OpenAPI 3.1 document.',
    tag: 'operations',
    response: { status: 200, description: 'the document', schema: z.record(z.string(), z.unknown()) },
    errors: [],
    handle: async ({ openapi }) => ({ body: openapi() as Record<string, unknown> }),
  }),
  route({
    operationId: 'docs',
    method: 'get',
    path: '/docs',
    summary: 'A browsable page of every operation (self-contained HTML).',
    tag: 'operations',
    response: { status: 200, description: 'HTML', schema: z.string(), mediaType: 'text/html' },
    errors: [],
    handle: async ({ docsHtml }) => ({ body: docsHtml() }),
  }),
  route({
    operationId: 'startCampaign',
    method: 'post',
    path: '/campaigns',
    summary: 'Start a campaign from its plan (dates may be written as offices write them). 202 with Location and the dates as understood; 400 lists every problem in the plan; 409 if the id exists.',
    tag: 'campaigns',
    action: 'startCampaign',
    body: startCampaignBody,
    response: { status: 202, description: 'started; Location is the campaign', schema: campaignStartedSchema, location: true },
    errors: [400, ...SECURED, 409, 413, 422, 503],
    handle: async ({ body, caller, campaigns, location, principal }) => {
      const dates = understoodDates(body);
      const { workflowId } = await campaigns.start(body, caller, principal!.organizationId);
      const path = location(`/campaigns/${body.id}`);
      return { body: { campaignId: body.id, workflowId, status: 'started' as const, location: path, dates }, headers: { Location: path } };
    },
  }),
  route({
    operationId: 'listCampaigns',
    method: 'get',
    path: '/campaigns',
    summary: 'Campaigns, newest first, filtered by status and phase; page on with nextCursor.',
    tag: 'campaigns',
    action: 'listCampaigns',
    query: listCampaignsQuery,
    response: { status: 200, description: 'a page of campaigns', schema: campaignListSchema },
    errors: [400, ...SECURED, 503],
    handle: async ({ query, campaigns, principal }) => ({ body: await campaigns.list(query, visibleCampaigns(principal!)) }),
  }),
  route({
    operationId: 'readCampaign',
    method: 'get',
    path: '/campaigns/:campaignId',
    summary: 'One campaign: status, current phase, each phase’s participants, approvals, forfeitures and sign-off.',
    tag: 'campaigns',
    action: 'readCampaign',
    params: campaignParams,
    response: { status: 200, description: 'the campaign', schema: campaignStateSchema },
    errors: READ,
    handle: async ({ params, campaigns }) => ({ body: await campaigns.campaign(params.campaignId) }),
  }),
  route({
    operationId: 'readReport',
    method: 'get',
    path: '/campaigns/:campaignId/report',
    summary: 'The upward report (匯總上報): totals by funding source, category and unit, forfeited units, undisbursed funds, each level’s share where the plan splits costs.',
    tag: 'campaigns',
    action: 'readReport',
    params: campaignParams,
    response: { status: 200, description: 'the report', schema: reportSchema },
    errors: READ,
    handle: async ({ params, campaigns }) => ({ body: await campaigns.report(params.campaignId) }),
  }),
  route({
    operationId: 'readReportCsv',
    method: 'get',
    path: '/campaigns/:campaignId/report.csv',
    summary: 'The upward report as one CSV table (a section column: total, funding-source, category, unit, level, forfeited).',
    tag: 'campaigns',
    action: 'readReport',
    params: campaignParams,
    response: { status: 200, description: 'CSV', schema: z.string(), mediaType: 'text/csv' },
    errors: READ,
    handle: async ({ params, campaigns }) => ({
      body: reportCsv(await campaigns.report(params.campaignId)),
      headers: { 'Content-Disposition': `attachment; filename="${params.campaignId}-report.csv"` },
    }),
  }),
  route({
    operationId: 'exportAudit',
    method: 'get',
    path: '/campaigns/:campaignId/audit',
    summary: 'The audit trail for the supervision office (紀檢辦): one row per state change (time, actor, request id, action, phase, unit, detail), clock-driven ones by actor "system"; rosters counted, never listed.',
    tag: 'campaigns',
    action: 'exportAudit',
    params: campaignParams,
    response: { status: 200, description: 'the audit trail', schema: auditTrailSchema },
    errors: READ,
    handle: async ({ params, campaigns }) => ({ body: await campaigns.audit(params.campaignId) }),
  }),
  route({
    operationId: 'exportAuditCsv',
    method: 'get',
    path: '/campaigns/:campaignId/audit.csv',
    summary: 'The audit trail as CSV (UTF-8 with a byte-order mark; columns at, actor, requestId, action, phase, unitId, detail).',
    tag: 'campaigns',
    action: 'exportAudit',
    params: campaignParams,
    response: { status: 200, description: 'CSV', schema: z.string(), mediaType: 'text/csv' },
    errors: READ,
    handle: async ({ params, campaigns }) => ({
      body: auditCsv(await campaigns.audit(params.campaignId)),
      headers: { 'Content-Disposition': `attachment; filename="${params.campaignId}-audit.csv"` },
    }),
  }),
  route({
    operationId: 'cancelCampaign',
    method: 'post',
    path: '/campaigns/:campaignId/cancel',
    summary: 'Cancel the campaign, with a reason (coordinator): answers the final state (status cancelled) once its phases have wound down, or 202 with the campaign as Location.',
    tag: 'campaigns',
    action: 'cancelCampaign',
    params: campaignParams,
    body: reasonBody,
    response: { status: 200, description: 'the campaign, cancelled', schema: campaignStateSchema },
    errors: WRITE,
    pending: true,
    handle: async ({ params, body, caller, campaigns }) => {
      // The workflow answers once the cancellation is in the record: the campaign read back is cancelled.
      await campaigns.updateCampaign(params.campaignId, cancelCampaign, body, caller, (state, id) => (state.cancellation?.requestId === id ? state : undefined));
      return { body: await campaigns.campaign(params.campaignId) };
    },
  }),
  route({
    operationId: 'readPhase',
    method: 'get',
    path: '/campaigns/:campaignId/phases/:phase',
    summary: 'One phase with the progress of each of its units (paged by offset and limit).',
    tag: 'phases',
    action: 'readPhase',
    params: phaseParams,
    query: phaseQuery,
    response: { status: 200, description: 'the phase', schema: phaseViewSchema },
    errors: [400, ...READ],
    handle: async ({ params, query, campaigns }) => ({ body: await campaigns.phaseView(params.campaignId, params.phase, query) }),
  }),
  route({
    operationId: 'signOffPhase',
    method: 'post',
    path: '/campaigns/:campaignId/phases/:phase/sign-off',
    summary: 'Sign off a phase that awaits the coordinator, so the campaign moves on.',
    tag: 'phases',
    action: 'signOffPhase',
    params: phaseParams,
    body: signOffBody,
    response: { status: 200, description: 'the campaign after sign-off', schema: campaignStateSchema },
    errors: WRITE,
    pending: true,
    handle: async ({ params, body, caller, campaigns }) => {
      await campaigns.updateCampaign(params.campaignId, signOffPhase, { ...body, phase: params.phase }, caller, (state, id) => (state.phases.some((p) => p.signOff?.requestId === id) ? state : undefined));
      return { body: await campaigns.campaign(params.campaignId) };
    },
  }),
  route({
    operationId: 'readUnit',
    method: 'get',
    path: '/campaigns/:campaignId/units/:unitId',
    summary: 'One unit across all four phases, with its submissions, reviews, extensions, reminders and escalations.',
    tag: 'units',
    action: 'readUnit',
    params: unitParams,
    response: { status: 200, description: 'the unit', schema: unitViewSchema },
    errors: READ,
    // The app has authorized the reviewer's reach from campaign_units already.
    handle: async ({ params, campaigns }) => ({ body: await campaigns.unitView(params.campaignId, params.unitId, async () => {}) }),
  }),
  route({
    operationId: 'reinstateUnit',
    method: 'post',
    path: '/campaigns/:campaignId/units/:unitId/reinstate',
    summary: 'Reinstate a unit that forfeited a finished phase: it takes part again from the next phase on.',
    tag: 'units',
    action: 'reinstateUnit',
    params: unitParams,
    body: reasonBody,
    response: { status: 200, description: 'the reinstatement', schema: reinstatementSchema },
    errors: WRITE,
    pending: true,
    handle: async ({ params, body, caller, campaigns }) => ({
      body: await campaigns.updateCampaign(params.campaignId, reinstateUnit, { ...body, unitId: params.unitId }, caller, (state, id) =>
        state.reinstatements.find((r) => r.requestId === id),
      ),
    }),
  }),
  route({
    operationId: 'submit',
    method: 'post',
    path: '/campaigns/:campaignId/phases/:phase/units/:unitId/submissions',
    summary: 'A unit submits its roster or report for a phase. 409 after the cutoff, naming it and the forfeiture.',
    tag: 'units',
    action: 'submit',
    params: unitPhaseParams,
    body: submitBody,
    response: { status: 201, description: 'accepted for review; Location is the unit', schema: submitResultSchema, location: true },
    errors: WRITE,
    pending: true,
    handle: async (ctx) => {
      const { households, ...content } = ctx.body;
      // A roster is checked and staged in the record; the workflow learns how many households it lists.
      const roster = ctx.body.kind === 'applicant-roster' && ctx.params.phase === 'preparation' ? await checkedHouseholds(ctx.campaigns, ctx.params, households) : undefined;
      return submitRoster(ctx, content, roster);
    },
  }),
  route({
    operationId: 'downloadRosterTemplate',
    method: 'get',
    path: '/campaigns/:campaignId/units/:unitId/roster-template.xlsx',
    summary: 'The roster template (慰问名册模板) for the unit: an XLSX workbook whose category and funding-source columns offer the plan’s choices as drop-down lists, with instructions.',
    tag: 'units',
    action: 'downloadRosterTemplate',
    params: unitParams,
    response: { status: 200, description: 'XLSX', schema: z.instanceof(Buffer), mediaType: FILE_MEDIA_TYPES.xlsx },
    errors: READ,
    handle: async ({ params, campaigns }) => {
      const { plan, unit } = await fileUnit(campaigns, params);
      const filename = `${plan.title}-${unit.name}-慰问名册.xlsx`;
      return { body: await rosterTemplateXlsx(plan, params.unitId), headers: { 'Content-Disposition': `attachment; filename="roster-template.xlsx"; filename*=UTF-8''${encodeURIComponent(filename)}` } };
    },
  }),
  route({
    operationId: 'uploadRoster',
    method: 'post',
    path: '/campaigns/:campaignId/phases/preparation/units/:unitId/roster-uploads',
    summary: 'A unit submits its applicant roster as a file (Content-Type text/csv, or the XLSX type; the template’s columns). 422 invalid-file names every bad row (row, column, code, message) and keeps nothing; otherwise answered as a roster submission (201, or 202 pending). A household another unit lists is 409 DuplicateHousehold, each with its row.',
    tag: 'units',
    action: 'submit',
    params: unitParams,
    upload: true,
    response: { status: 201, description: 'accepted for review; Location is the unit', schema: submitResultSchema, location: true },
    errors: [...WRITE, 415],
    pending: true,
    handle: async ({ params, file, caller, campaigns, location }) => {
      const { plan } = await fileUnit(campaigns, params);
      const parsed = await parseRosterFile(file!.buffer, { format: file!.format, plan, unitId: params.unitId });
      if ('problems' in parsed) throw fileRefused(parsed.problems);
      const phase = { ...params, phase: 'preparation' as const };
      const content = { kind: 'applicant-roster' as const, report: `名册文件,共 ${parsed.households.length} 户` };
      return withRows(() => submitRoster({ params: phase, caller, campaigns, location }, content, parsed.households), (entry) => parsed.rows[entry - 1]);
    },
  }),
  route({
    operationId: 'uploadVisits',
    method: 'post',
    path: '/campaigns/:campaignId/phases/visiting/units/:unitId/visit-uploads',
    summary: `A unit records its visits as a file (CSV or XLSX; columns 序号, 发放金额(元), 走访日期, 领取人签字, 经办人…), in batches of ${MAX_VISITS_PER_BATCH}, each all or none. 422 invalid-file names every bad row, and a row with no entry number (序号) is one: households are found by entry. A batch the record refuses is 422/409 with each problem’s row; the batches before it stay recorded (details.recordedBatches).`,
    tag: 'units',
    action: 'recordVisit',
    params: unitParams,
    upload: true,
    response: { status: 201, description: 'how many visits the file held and the unit’s totals', schema: visitUploadResultSchema },
    errors: [...WRITE, 415],
    handle: async ({ params, file, caller, campaigns }) => {
      const parsed = await parseVisitsFile(file!.buffer, { format: file!.format });
      if ('problems' in parsed) throw fileRefused(parsed.problems);
      // The record finds a household by its entry; by ID number it would need the household key for each row.
      const unnumbered = parsed.batches.flat().filter((v) => v.entry === undefined);
      if (unnumbered.length) {
        throw fileRefused(unnumbered.map((v) => ({ row: v.row, column: '序号', field: 'entry', code: 'Required', message: `第 ${v.row} 行「序号」:请填写名册序号(仅凭身份证号无法登记)`, messageEn: `row ${v.row}: the entry number is required (a visit is recorded by entry, not by ID number)` })));
      }
      const phase = { ...params, phase: 'visiting' as const };
      let last: z.output<typeof visitsResultSchema> | undefined;
      for (const [i, batch] of parsed.batches.entries()) {
        const visits = batch.map(({ row: _row, idNumber: _id, ...v }) => ({ ...v, entry: v.entry! }));
        // Each batch its own request (so a retry of the file skips the batches already recorded).
        const batchCaller = { ...caller, requestId: `${caller.requestId}:${i + 1}` };
        last = await withRows(() => recordVisitBatch(campaigns, phase, visits, batchCaller), (entry) => batch.find((v) => v.entry === entry)?.row).catch((err: unknown) => {
          if (i > 0 && err instanceof ApiError) throw new ApiError(err.status, err.code, err.message, { ...err.extra, details: { ...err.extra.details, recordedBatches: i } });
          throw err;
        });
      }
      const recorded = parsed.batches.reduce((n, b) => n + b.length, 0);
      return { body: { recorded, batches: parsed.batches.length, visited: last!.visited, paid: last!.paid, recordedAt: last!.recordedAt } };
    },
  }),
  route({
    operationId: 'eraseHousehold',
    method: 'post',
    path: '/campaigns/:campaignId/units/:unitId/roster/:entry/erasure',
    summary: 'The coordinator erases one household’s personal data (name, ID number, address, reason, illness; its masked name leaves the notice) with a reason; its amounts stay in the totals. 404 NotOnRoster when the entry is not on the unit’s approved roster. Erasing twice is harmless.',
    tag: 'units',
    action: 'eraseHousehold',
    params: rosterEntryParams,
    body: reasonBody,
    response: { status: 200, description: 'erased', schema: householdErasureSchema },
    errors: WRITE,
    handle: async ({ params, body, caller, campaigns }) => {
      await campaigns.eraseHousehold(params, body.reason, caller);
      return { body: { campaignId: params.campaignId, unitId: params.unitId, entry: params.entry, erased: true as const } };
    },
  }),
  route({
    operationId: 'eraseCampaignPersonalData',
    method: 'post',
    path: '/campaigns/:campaignId/personal-data/erasure',
    summary: 'The coordinator erases every household’s personal data in a campaign that has been completed or cancelled, with a reason (its data key too); 409 CampaignRunning before that. Counts and amounts stay.',
    tag: 'campaigns',
    action: 'eraseCampaignPersonalData',
    params: campaignParams,
    body: reasonBody,
    response: { status: 200, description: 'erased', schema: personalDataErasureSchema },
    errors: WRITE,
    handle: async ({ params, body, caller, campaigns }) => ({ body: { campaignId: params.campaignId, ...(await campaigns.eraseCampaignPersonalData(params.campaignId, body.reason, caller)) } }),
  }),
  route({
    operationId: 'review',
    method: 'post',
    path: '/campaigns/:campaignId/phases/:phase/units/:unitId/reviews',
    summary: 'The unit’s supervisor approves or rejects (with a reason) its pending submission.',
    tag: 'units',
    action: 'review',
    params: unitPhaseParams,
    body: reviewBody,
    response: { status: 201, description: 'the review', schema: reviewResultSchema },
    errors: WRITE,
    pending: true,
    handle: async ({ params, body, caller, campaigns }) => {
      return {
        body: await campaigns.updateUnitPhase(unitTarget(params), review, body, caller, (state, id) => {
          const earlier = state.reviews.find((r) => r.requestId === id);
          return earlier && { status: state.status, reviewedAt: earlier.reviewedAt };
        }),
      };
    },
  }),
  route({
    operationId: 'strikeEntries',
    method: 'post',
    path: '/campaigns/:campaignId/phases/:phase/units/:unitId/strikes',
    summary: 'The unit’s supervisor strikes single roster entries, each with a reason (不符條件的予以刪減), instead of rejecting the whole roster; their households and amounts are released.',
    tag: 'units',
    action: 'strikeEntries',
    params: unitPhaseParams,
    body: strikeBody,
    response: { status: 201, description: 'the strike', schema: strikeSchema },
    errors: WRITE,
    pending: true,
    handle: async ({ params, body, caller, campaigns }) => {
      return {
        body: await campaigns.updateUnitPhase(unitTarget(params), strikeEntries, body, caller, (state, id) => {
          const earlier = state.strikes.find((s) => s.requestId === id);
          return earlier && { requestId: id, submissionNumber: earlier.submissionNumber, entries: earlier.entries, remaining: 0, struckAt: earlier.struckAt };
        }),
      };
    },
  }),
  route({
    operationId: 'recordVisit',
    method: 'post',
    path: '/campaigns/:campaignId/phases/:phase/units/:unitId/visits',
    summary: 'A unit records a visit or payment to one household of its approved roster (amount, goods, date, recipient signed, handler); paying a household twice or more than approved is refused.',
    tag: 'units',
    action: 'recordVisit',
    params: unitPhaseParams,
    body: visitBody,
    response: { status: 201, description: 'the unit’s visits so far', schema: visitsResultSchema },
    errors: WRITE,
    pending: true,
    handle: async ({ params, body, caller, campaigns }) => {
      return { body: await recordVisitBatch(campaigns, params, [body], caller) };
    },
  }),
  route({
    operationId: 'recordVisitBatch',
    method: 'post',
    path: '/campaigns/:campaignId/phases/:phase/units/:unitId/visit-batches',
    summary: `A unit records up to ${MAX_VISITS_PER_BATCH} visits at once, all or none: every refused row is named with its problem.`,
    tag: 'units',
    action: 'recordVisit',
    params: unitPhaseParams,
    body: visitBatchBody,
    response: { status: 201, description: 'the unit’s visits so far', schema: visitsResultSchema },
    errors: WRITE,
    handle: async ({ params, body, caller, campaigns }) => {
      return { body: await recordVisitBatch(campaigns, params, body.visits, caller) };
    },
  }),
  route({
    operationId: 'readUnitRequest',
    method: 'get',
    path: '/campaigns/:campaignId/phases/:phase/units/:unitId/requests/:requestId',
    summary: 'The outcome of a write to a unit that was answered 202 (its Location): 200 with the result, the refusal it met, 202 again while still unknown, 404 when Temporal knows no such request (refused before it was recorded, or never arrived: send it again with the same Idempotency-Key). Only the caller who sent it reads it.',
    tag: 'units',
    action: 'readUnit',
    params: unitRequestParams,
    response: { status: 200, description: 'the outcome', schema: requestOutcomeSchema },
    pending: true,
    errors: [...SECURED, 404, 409, 422, 503],
    handle: async ({ params, caller, updates }) => {
      const notFound = () => new ApiError(404, 'request-not-found', `没有该请求的记录;请用同一个 Idempotency-Key 重新发送 (no request ${params.requestId} is known here: it was refused before it was recorded, or never arrived; send it again with the same Idempotency-Key)`);
      // The request id names its sender: anyone else is told nothing about it.
      if (params.requestId.split(':')[1] !== caller.principal.subject) throw notFound();
      const readAt = unitRequestPath(params, params.requestId);
      const result = await updates.outcome<Record<string, unknown>>(unitPhaseWorkflowId(params.campaignId, params.phase, params.unitId), params.requestId, readAt).catch((err: unknown) => {
        throw err instanceof WorkflowNotFoundError ? notFound() : err;
      });
      return { body: { requestId: params.requestId, status: 'done' as const, result } };
    },
  }),
  route({
    operationId: 'readNoticeLink',
    method: 'get',
    path: '/campaigns/:campaignId/units/:unitId/notice-link',
    summary: 'The unit’s notice link (公示): anyone holding it reads the published roster and may file an objection.',
    tag: 'notices',
    action: 'readNoticeLink',
    params: unitParams,
    response: { status: 200, description: 'the notice token and its path', schema: noticeLinkSchema },
    errors: [...SECURED, 404],
    handle: async ({ params, notices, location }) => {
      const noticeToken = notices.token(params);
      return { body: { noticeToken, path: location(`/notices/${noticeToken}`) } };
    },
  }),
  route({
    operationId: 'readNotice',
    method: 'get',
    path: '/notices/:noticeToken',
    summary: 'The public notice (公示), with no bearer token: the unit’s approved roster as it stands (names masked, e.g. 張**; no ID numbers or addresses) and its objections by number and outcome. 404 for a forged link.',
    tag: 'notices',
    params: noticeParams,
    response: { status: 200, description: 'the notice', schema: noticeSchema },
    errors: [404, 503],
    handle: async ({ params, notices, campaigns }) => {
      const target = notices.open(params.noticeToken);
      const state = await campaigns.unitPhase(target.campaignId, 'publicity', target.unitId);
      if (state.status === 'scheduled') throw new ApiError(404, 'not-found', 'this notice is not published yet');
      const objections = state.objections.map((o) => ({ number: o.number, kind: o.kind, entry: o.entry, filedAt: o.filedAt, outcome: o.decision?.outcome }));
      return { body: { ...target, unitName: state.unitName, status: state.status, cutoff: state.cutoff, entries: await campaigns.notice(target.campaignId, target.unitId), objections } };
    },
  }),
  route({
    operationId: 'fileObjection',
    method: 'post',
    path: '/notices/:noticeToken/objections',
    summary: 'Anyone holding the notice link objects (公示異議), with no bearer token: a missed household, or an ineligible one (naming its entry). The unit answers, the coordinator decides; the unit cannot be approved meanwhile. 404 for a forged link.',
    tag: 'notices',
    params: noticeParams,
    body: objectionBody,
    response: { status: 201, description: 'the objection, filed', schema: objectionSchema },
    errors: [400, 404, 409, 413, 422, 503],
    pending: true,
    handle: async ({ params, body, caller, notices, campaigns }) => {
      const target = notices.open(params.noticeToken);
      if (body.kind === 'ineligible-household' && body.entry !== undefined && !(await campaigns.notice(target.campaignId, target.unitId)).some((e) => e.entry === body.entry)) {
        throw fromRefusal({ type: UnitPhaseFailure.InvalidObjection, message: `an ineligible-household objection names an entry of the published roster; ${body.entry} is not one`, details: { entry: body.entry } });
      }
      const filed = await campaigns.updateUnitPhase(publicityOf(target), fileObjection, body, caller, (state, id) => state.objections.find((o) => o.requestId === id) && { number: state.objections.find((o) => o.requestId === id)!.number, kind: body.kind, filedAt: '', answered: false });
      return { body: await objectionOf(campaigns, target, filed.number) };
    },
  }),
  route({
    operationId: 'answerObjection',
    method: 'post',
    path: '/campaigns/:campaignId/units/:unitId/objections/:objection/answer',
    summary: 'The unit answers an objection to its published roster.',
    tag: 'notices',
    action: 'answerObjection',
    params: objectionParams,
    body: answerObjectionBody,
    response: { status: 201, description: 'the objection, answered', schema: objectionSchema },
    errors: WRITE,
    pending: true,
    handle: (ctx) => unitObjectionUpdate(ctx, answerObjection, (o) => o.answer?.requestId),
  }),
  route({
    operationId: 'decideObjection',
    method: 'post',
    path: '/campaigns/:campaignId/units/:unitId/objections/:objection/decision',
    summary: 'The coordinator upholds or dismisses an objection, with a reason. Upholding an ineligible-household objection strikes the entry (its household and amount are released campaign-wide); upholding a missed-household one records a request to add it.',
    tag: 'notices',
    action: 'decideObjection',
    params: objectionParams,
    body: decideObjectionBody,
    response: { status: 201, description: 'the objection, decided', schema: objectionSchema },
    errors: WRITE,
    pending: true,
    handle: async ({ params, body, caller, campaigns }) => ({ body: await updateObjection(campaigns, caller, params, decideObjection, body, (o) => o.decision?.requestId) }),
  }),
  route({
    operationId: 'addHousehold',
    method: 'post',
    path: '/campaigns/:campaignId/units/:unitId/objections/:objection/addition',
    summary: 'The unit adds the household an upheld missed-household objection asked for, checked like a roster entry (quota, standard, funding source) and claimed campaign-wide; it joins the notice (name masked) and the roster the visiting phase pays against.',
    tag: 'notices',
    action: 'addHousehold',
    params: objectionParams,
    body: addHouseholdBody,
    response: { status: 201, description: 'the objection, its household added', schema: objectionSchema },
    errors: WRITE,
    pending: true,
    handle: async (ctx) => {
      const { params, body, caller, campaigns } = ctx;
      // Checked with the standing roster (quota with the additions, standard, funding source); numbered after every entry the notice has held.
      const standing = (await campaigns.notice(params.campaignId, params.unitId)).map((e): Household => ({ name: e.maskedName, idNumber: `entry ${e.entry}`, category: e.category, amount: e.amount, goods: e.goods, fundingSource: e.fundingSource, reason: 'published' }));
      await checkedHouseholds(campaigns, params, [body.household], standing);
      const staged = await campaigns.stageHouseholds(params, [body.household], caller, await campaigns.nextEntry(params.campaignId, params.unitId));
      return { body: await updateObjection(campaigns, caller, params, addHousehold, { uploadId: staged.uploadId }, (o) => o.addition?.requestId) };
    },
  }),
  route({
    operationId: 'extendCutoff',
    method: 'post',
    path: '/campaigns/:campaignId/phases/:phase/units/:unitId/cutoff-extensions',
    summary: 'Move a unit’s cutoff later, before it has passed (coordinator).',
    tag: 'units',
    action: 'extendCutoff',
    params: unitPhaseParams,
    body: extendCutoffBody,
    response: { status: 201, description: 'the extension', schema: extensionSchema },
    errors: WRITE,
    pending: true,
    handle: async ({ params, body, caller, campaigns }) => ({
      body: await campaigns.updateUnitPhase(unitTarget(params), extendCutoff, body, caller, (state, id) => state.extensions.find((e) => e.requestId === id)),
    }),
  }),
  // The Temporal Web UI's codec server (<API>/codec): only roles allowed to see households may read payloads.
  ...(['decode', 'encode'] as const).map((direction) =>
    route({
      operationId: `${direction}Payloads`,
      method: 'post',
      path: `/codec/${direction}`,
      summary: `The Temporal Web UI’s codec server: ${direction === 'decode' ? 'decrypts payloads so a coordinator can read them in the UI' : 'encrypts payloads the UI sends (e.g. a signal’s input)'}.`,
      tag: 'operations',
      action: `${direction}Payloads`,
      body: codecBody,
      response: { status: 200, description: `the payloads, ${direction}d`, schema: codecResultSchema },
      errors: [400, ...SECURED, 413],
      handle: async ({ body, codec }) => ({ body: await runCodec(codec, direction, body) }),
    }),
  ),
];
