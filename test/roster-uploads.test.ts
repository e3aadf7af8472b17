import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Runtime } from '@temporalio/worker';
import ExcelJS from 'exceljs';
import { ROSTER_SHEET } from '../api/roster-files';
import type { CampaignPlan } from '../domain/plan';
import { campaignWorkflowId, unitPhaseWorkflowId } from '../domain/workflow-ids';
import { eventually, startWorkerAndApi, type RunningApi } from './harness/api';
import { decodedHistory } from './harness/histories';
import { realServer } from './harness/per-test';
import { subDistrictSpringPlan } from './harness/plans';
import type { TestStore } from './harness/postgres';
import { generateHouseholds, rosterXlsx } from './harness/roster-fixtures';
import { createDevServerEnv, uniqueId } from './harness/temporal';

// A unit clerk's files through the API, on the dev server in real time: the template downloaded,
// a roster uploaded with bad rows (refused whole, every row named), then fixed and approved; the
// visits uploaded as CSV; one household erased by the coordinator (then none of its fields in
// Temporal or the logs), and the campaign's personal data refused while it runs.

const dev = realServer(createDevServerEnv, 'all');
const UNIT = 'community-1';
/** Preparation takes a refused and an accepted upload and a review; publicity a report and a review. */
const PHASE_MS = [12_000, 8_000, 40_000, 10_000];
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const tokens = { coordinator: 'uploads-coordinator-token-0001', reviewer: 'uploads-reviewer-civil-000001', unit: 'uploads-unit-community-1-001' } as const;

function shortPlan(): CampaignPlan {
  const plan = subDistrictSpringPlan({ id: uniqueId('uploads'), webhook: (p) => dev.receiver.url(p), units: 1 });
  let opensAt = Date.now() + 3_000;
  const phases = plan.phases.map((p, i) => {
    const phase = { ...p, opensAt: new Date(opensAt).toISOString(), cutoff: new Date(opensAt + PHASE_MS[i]!).toISOString(), reminders: [], reviewWithin: 'PT1H', advance: 'automatic' as const };
    opensAt += PHASE_MS[i]! + 2_000;
    return phase;
  });
  return { ...plan, phases };
}

describe('roster and visits files, and erasure (dev server, through the API)', () => {
  let api: RunningApi;
  let store: TestStore;
  let stop: (() => Promise<void>) | undefined;

  /** Everything the worker logged while the suite ran, at every level. */
  const workerLogs: unknown[] = [];

  beforeAll(async () => {
    const logger = Runtime.instance().logger;
    const passOn = logger.log.bind(logger);
    jest.spyOn(logger, 'log').mockImplementation((level, message, meta) => {
      workerLogs.push({ level, message, meta });
      passOn(level, message, meta);
    });
    const grants = `${tokens.coordinator}=coordinator:civil-affairs-office,${tokens.reviewer}=reviewer:civil-affairs-review,${tokens.unit}=unit:${UNIT}`;
    ({ api, store, stop } = await startWorkerAndApi(dev.env, grants));
  });

  afterAll(async () => stop?.());

  test('given a running campaign with roster rules, when a unit downloads the template, uploads a roster with two bad rows, fixes them, uploads its visits and the coordinator erases a household, each answer should say exactly what happened and nothing should be half-applied', async () => {
    const plan = shortPlan();
    const id = plan.id;
    const upload = (path: string, body: Buffer, type: string) => fetch(`${api.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${tokens.unit}`, 'content-type': type }, body });
    const uploads = async () => (await store.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM roster_uploads WHERE campaign_id = $1', [id])).rows[0]!.n;
    const unitPhase = async (phase: string) => (await api.call('GET', `/campaigns/${id}/units/${UNIT}`, { token: tokens.unit })).body.phases.find((p: { phase: string }) => p.phase === phase)?.state;
    const whenOpen = (phase: string) => eventually(async () => expect((await unitPhase(phase))?.status).toBe('open'), 30_000);
    const post = async (token: string, path: string, body: unknown, expected = 201) => {
      const res = await api.call('POST', path, { token, body });
      expect({ path, status: res.status, body: res.status === expected ? undefined : res.body }).toEqual({ path, status: expected, body: undefined });
      return res.body;
    };
    expect((await api.call('POST', '/campaigns', { token: tokens.coordinator, body: plan })).status).toBe(202);

    // The template: a workbook whose category column offers the plan's categories as a list.
    const template = await fetch(`${api.url}/campaigns/${id}/units/${UNIT}/roster-template.xlsx`, { headers: { authorization: `Bearer ${tokens.unit}` } });
    expect(template.status).toBe(200);
    expect(template.headers.get('content-type')).toContain(XLSX);
    expect(decodeURIComponent(template.headers.get('content-disposition')!.split("UTF-8''")[1]!)).toMatch(/慰问名册\.xlsx$/);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(await template.arrayBuffer()) as unknown as ExcelJS.Buffer);
    const sheet = workbook.getWorksheet(ROSTER_SHEET)!;
    const categoryColumn = (sheet.getRow(1).values as unknown[]).indexOf('类别');
    const validation = sheet.getCell(2, categoryColumn).dataValidation;
    expect(validation.type).toBe('list');
    const listed = workbook.worksheets.flatMap((ws) => ws.getSheetValues().flat().filter((v): v is string => typeof v === 'string'));
    for (const standard of plan.rules!.standards) expect(listed).toContain(standard.name);

    await whenOpen('preparation');
    const households = generateHouseholds(5, plan, UNIT, 11);
    const bad = households.map((h, i) => (i === 1 ? { ...h, category: 'no-such-category' } : i === 3 ? { ...h, amount: 5 } : h));
    const refused = await upload(`/campaigns/${id}/phases/preparation/units/${UNIT}/roster-uploads`, await rosterXlsx(bad), XLSX);
    const problems = ((await refused.json()) as { error: { code: string; details: { problems: { row: number; code: string; message: string; messageEn: string }[] } } }).error;
    expect(refused.status).toBe(422);
    expect(problems.code).toBe('invalid-file');
    // The header is row 1: the 2nd and 4th households are rows 3 and 5.
    expect(problems.details.problems.map((p) => [p.row, p.code])).toEqual([[3, 'UnknownCategory'], [5, 'AmountOutsideStandard']]);
    expect(problems.details.problems.every((p) => p.message.startsWith(`第 ${p.row} 行`) && p.messageEn.length > 0)).toBe(true);
    expect(await uploads()).toBe(0);

    const accepted = await upload(`/campaigns/${id}/phases/preparation/units/${UNIT}/roster-uploads`, await rosterXlsx(households), XLSX);
    expect(accepted.status).toBe(201);
    expect(await accepted.json()).toMatchObject({ submissionNumber: 1, status: 'submitted' });
    expect((await unitPhase('preparation')).submissions).toEqual([expect.objectContaining({ households: 5 })]);
    await post(tokens.reviewer, `/campaigns/${id}/phases/preparation/units/${UNIT}/reviews`, { decision: 'approve' });
    await whenOpen('publicity');
    await post(tokens.unit, `/campaigns/${id}/phases/publicity/units/${UNIT}/submissions`, { kind: 'publicity-report', report: '已张榜公示,无异议' });
    await post(tokens.reviewer, `/campaigns/${id}/phases/publicity/units/${UNIT}/reviews`, { decision: 'approve' });

    await whenOpen('visiting');
    const csv = ['序号,发放金额(元),走访日期,领取人签字,经办人', ...households.slice(0, 3).map((h, i) => `${i + 1},${h.amount},2027-02-09,是,王干事`)].join('\r\n');
    const visited = await upload(`/campaigns/${id}/phases/visiting/units/${UNIT}/visit-uploads`, Buffer.from(csv), 'text/csv');
    const paid = households.slice(0, 3).reduce((s, h) => s + h.amount, 0);
    expect({ status: visited.status, body: await visited.json() }).toMatchObject({ status: 201, body: { recorded: 3, batches: 1, visited: 3, paid } });

    // Erasure: the masked name leaves the notice; the figures stay.
    const { noticeToken } = (await api.call('GET', `/campaigns/${id}/units/${UNIT}/notice-link`, { token: tokens.coordinator })).body;
    const notice = async () => (await api.call('GET', `/notices/${noticeToken}`)).body.entries as { entry: number; maskedName: string }[];
    const report = async () => (await api.call('GET', `/campaigns/${id}/report`, { token: tokens.coordinator })).body.totals;
    const [noticeBefore, totalsBefore] = [await notice(), await report()];
    expect(noticeBefore.find((e) => e.entry === 2)!.maskedName).toMatch(/^.\*+$/);
    expect(await post(tokens.coordinator, `/campaigns/${id}/units/${UNIT}/roster/2/erasure`, { reason: '本人申请删除个人信息' }, 200)).toEqual({ campaignId: id, unitId: UNIT, entry: 2, erased: true });
    const noticeAfter = await notice();
    expect(noticeAfter.find((e) => e.entry === 2)!.maskedName).toBe('');
    expect(noticeAfter.filter((e) => e.entry !== 2)).toEqual(noticeBefore.filter((e) => e.entry !== 2));
    expect(await report()).toEqual(totalsBefore);
    expect((await api.call('POST', `/campaigns/${id}/units/${UNIT}/roster/99/erasure`, { token: tokens.coordinator, body: { reason: '误填' } })).body.error.code).toBe('NotOnRoster');
    // Only the coordinator erases.
    expect((await api.call('POST', `/campaigns/${id}/units/${UNIT}/roster/1/erasure`, { token: tokens.unit, body: { reason: '误填' } })).status).toBe(403);

    const running = await api.call('POST', `/campaigns/${id}/personal-data/erasure`, { token: tokens.coordinator, body: { reason: '保存期满' } });
    expect({ status: running.status, code: running.body.error?.code }).toEqual({ status: 409, code: 'CampaignRunning' });

    // Nor is any field of the erased household anywhere in Temporal (every history on this server,
    // each payload decoded, search attributes and memos among them) or in the logs: the API's and the
    // worker's at every level.
    const erased = households[1]!;
    const fields = [erased.name, erased.idNumber, erased.address, erased.illness].filter((f): f is string => Boolean(f));
    const workflowIds: string[] = [];
    for await (const execution of dev.env.client.workflow.list()) workflowIds.push(execution.workflowId);
    // A notice that arrived as it was dispatched has no delivery workflow (activities/dispatcher.ts), and a local activity's input is not in its history.
    expect(workflowIds).toEqual(expect.arrayContaining([campaignWorkflowId(id), ...(['preparation', 'publicity', 'visiting'] as const).map((phase) => unitPhaseWorkflowId(id, phase, UNIT))]));
    const histories = await Promise.all(workflowIds.map(async (workflowId) => {
      const { history, payloads } = await decodedHistory(dev.env.client, workflowId);
      return [historyToJSON(history), ...payloads.map((p) => Buffer.from(p.data ?? []).toString('utf8'))].join('\n');
    }));
    const places = { temporal: histories.join('\n'), apiLogs: JSON.stringify(api.logs), workerLogs: JSON.stringify(workerLogs) };
    // The searched texts are what they claim to be: the campaign's histories, a line per request, the worker's lines.
    expect({ temporal: places.temporal.includes(id), apiLines: api.logs.length >= 10, workerLines: workerLogs.length > 0 }).toEqual({ temporal: true, apiLines: true, workerLines: true });
    console.log(`searched ${workflowIds.length} histories (${places.temporal.length} chars), ${api.logs.length} API log lines, ${workerLogs.length} worker log lines`);
    for (const [place, text] of Object.entries(places)) expect({ place, found: fields.filter((f) => text.includes(f)) }).toEqual({ place, found: [] });
  }, 90_000);
});
