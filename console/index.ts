import { createReadStream } from 'node:fs';
import { randomUUID } from 'node:crypto';
import express, { type Router } from 'express';
import type { Principal } from '../api/access';
import type { Authenticator } from '../api/authentication';
import { ApiError } from '../api/errors';
import { instantAt } from '../domain/calendar/time-zone';
import { isoDurationMs } from '../domain/duration';
import { PHASE_NAMES, type CampaignPlan, type PhaseName } from '../domain/plan';
import type { UpwardReport } from '../domain/report';
import { LANG_COOKIE } from './i18n';
import { operations, StillPending, type OperationDeps } from './operations';
import { boardLive, boardPage, type Board, type CampaignState, type UnitSummary } from './pages/board';
import { homePage, type ListedCampaign } from './pages/home';
import { noticePage, type Notice } from './pages/notice';
import { lineOf, planUploadPage, readPlanText, type PlanProblem } from './pages/plan-upload';
import { reportPage } from './pages/report';
import { queuePage, reviewPage, type QueueItem, type UnitPhaseState } from './pages/review';
import { signInPage } from './pages/sign-in';
import { unitPage, type FileProblem, type UnitView } from './pages/unit';
import { submittedRoster, unitPlaces, visitsByDay } from './reads';
import { SESSION_COOKIE, SESSION_HOURS, Sessions } from './sessions';
import { CONSOLE_CSS } from './styles';
import { all, ConsoleError, param, cookieOptions, explain, formKey, handler, one, parseCookies, sendPage, sent, signedIn, type Visit } from './web';

// The console, mounted at /console by the API process (api/app.ts): pages for coordinators,
// reviewers and unit clerks, and the public notice. Every action goes through the API's route
// table as the signed-in principal (./operations.ts), so access, validation and outcomes are the API's.

export interface ConsoleDeps extends OperationDeps {
  authenticator: Authenticator;
}

const HTMX = require.resolve('htmx.org/dist/htmx.min.js');

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** A zod issue's message in words for a clerk, when it is one of the common ones. */
const issueText = (message: string, say: Visit['say']) =>
  /too small|>=1|required/i.test(message) ? say('请填写此项。', 'Please fill this in.') : /invalid|expected/i.test(message) ? say(`格式不正确 (${message})`, `Not valid (${message})`) : message;

/** The form field the API's first invalid-request issue is about, and why. */
function fieldError(err: unknown, say: Visit['say'], fields: Record<string, string>): { field?: string; message: string } {
  if (err instanceof ApiError && err.code === 'invalid-request' && err.extra.issues?.length) {
    const issue = err.extra.issues[0]!;
    const name = fields[String(issue.path[issue.path.length - 1] ?? '')] ?? fields[String(issue.path[0] ?? '')];
    if (name) return { field: name, message: issueText(issue.message, say) };
  }
  return { message: explain(err, say) };
}

const flat = (form: Visit['form']): Record<string, string> => Object.fromEntries(Object.entries(form).map(([k, v]) => [k, Array.isArray(v) ? v[0]! : v]));

export function consoleRouter(deps: ConsoleDeps): Router {
  const router = express.Router();
  const sessions = new Sessions(deps.pool);
  const reply = operations(deps);
  const op = async (...args: Parameters<typeof reply>) => (await reply(...args)).body;
  const { campaigns } = deps.context;
  const get = (path: string, run: (v: Visit) => Promise<void>) => router.get(path, handler(sessions, run));
  const post = (path: string, run: (v: Visit) => Promise<void>) => router.post(path, handler(sessions, run));

  router.use((_req, res, next) => {
    // Metrics and request logs count the console as one route (its paths carry ids).
    res.locals.route = '/console';
    res.set({ 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'same-origin' });
    next();
  });
  router.get('/assets/htmx.min.js', (_req, res, next) => {
    res.type('text/javascript').set('Cache-Control', 'public, max-age=3600');
    createReadStream(HTMX).on('error', next).pipe(res);
  });
  router.get('/assets/console.css', (_req, res) => {
    res.type('text/css').set('Cache-Control', 'public, max-age=3600').send(CONSOLE_CSS);
  });
  router.get('/lang', (req, res) => {
    const to = req.query.to === 'en' ? 'en' : 'zh-CN';
    const back = typeof req.query.back === 'string' && req.query.back.startsWith('/console') ? req.query.back : '/console';
    res.cookie(LANG_COOKIE, to, { ...cookieOptions(365 * 24 * 3600_000), httpOnly: false }).redirect(303, back);
  });

  // ---- signing in

  const backOf = (v: Visit) => {
    const back = one(v, 'back') || (typeof v.req.query.back === 'string' ? v.req.query.back : '');
    return back.startsWith('/console') && !back.startsWith('/console/sign-in') ? back : '/console';
  };
  get('/sign-in', async (v) => {
    const link = typeof v.req.query.link === 'string' ? v.req.query.link : undefined;
    sendPage(v, signInPage(v.ctx, { back: backOf(v), link }));
  });
  post('/sign-in', async (v) => {
    const back = backOf(v);
    let principal: Principal | undefined;
    const link = one(v, 'link');
    if (link) {
      const personId = await deps.context.people.useSignInLink(link);
      principal = personId ? await sessions.person(personId) : undefined;
      if (!principal) return sendPage(v, signInPage(v.ctx, { back, error: v.say('该登录链接无效、已用过或已过期,请向管理员索取新的链接。', 'This sign-in link is invalid, used or expired; ask your administrator for a new one.') }), 401);
    } else {
      // The API's own authentication: the same lookup, failure limit and auth log as a bearer token.
      const token = one(v, 'token').trim();
      const asBearer = { get: (name: string) => (name.toLowerCase() === 'authorization' ? (token ? `Bearer ${token}` : undefined) : v.req.get(name)), ip: v.req.ip, socket: v.req.socket } as unknown as express.Request;
      try {
        principal = await deps.authenticator.authenticate(asBearer, '/console/sign-in');
      } catch (err) {
        if (err instanceof ApiError && (err.status === 401 || err.status === 429)) return sendPage(v, signInPage(v.ctx, { back, error: explain(err, v.say) }), err.status);
        throw err;
      }
    }
    const id = await sessions.open(principal);
    v.res.cookie(SESSION_COOKIE, id, cookieOptions(SESSION_HOURS * 3600_000)).redirect(303, back);
  });
  post('/sign-out', async (v) => {
    const id = parseCookies(v.req.get('cookie'))[SESSION_COOKIE];
    if (id) await sessions.close(id);
    v.res.clearCookie(SESSION_COOKIE, cookieOptions()).redirect(303, '/console/sign-in');
  });

  // ---- start page

  get('/', async (v) => {
    if (!v.principal) return v.res.redirect(303, '/console/sign-in');
    const principal = v.principal;
    const listable = principal.coordinator || principal.memberships.some((m) => m.role === 'reviewer' || m.role === 'coordinator');
    const listed = listable ? ((await op(principal, 'listCampaigns', { query: { limit: '100' } })) as { campaigns: ListedCampaign[] }).campaigns : [];
    sendPage(v, homePage(v.ctx, principal, { campaigns: listed, units: await unitPlaces(deps.pool, principal) }));
  });

  // ---- coordinator: start, board, actions, report

  get('/campaigns/new', async (v) => {
    signedIn(v);
    sendPage(v, planUploadPage(v.ctx, { key: randomUUID() }));
  });
  post('/campaigns', async (v) => {
    const principal = signedIn(v);
    const text = v.file ? v.file.buffer.toString('utf8').replace(/^\uFEFF/, '') : one(v, 'planText');
    const again = (o: { problems?: PlanProblem[]; error?: string }, status: number) => sendPage(v, planUploadPage(v.ctx, { text, key: formKey(v), ...o }), status);
    if (!text.trim()) return again({ error: v.say('请选择方案文件或粘贴方案内容。', 'Choose a plan file or paste the plan.') }, 400);
    const read = readPlanText(text, v.say);
    if (read.problems.length) return again({ problems: read.problems }, 400);
    try {
      const started = (await op(principal, 'startCampaign', { body: read.plan, ...sent(v) })) as { campaignId: string };
      v.res.redirect(303, `/console/campaigns/${started.campaignId}?done=started`);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'invalid-request' && err.extra.issues) {
        return again({ problems: err.extra.issues.map((i) => ({ path: i.path, message: i.message, line: lineOf(read, i.path) })) }, 400);
      }
      return again({ error: explain(err, v.say) }, err instanceof ApiError ? err.status : 503);
    }
  });

  const loadBoard = async (principal: Principal, campaignId: string): Promise<Board> => {
    const campaign = (await op(principal, 'readCampaign', { params: { campaignId } })) as CampaignState;
    const plan = await campaigns.plan(campaignId);
    const units: Board['units'] = {};
    await Promise.all(
      campaign.phases
        .filter((p) => p.status !== 'pending')
        .map(async (p) => {
          const view = (await op(principal, 'readPhase', { params: { campaignId, phase: p.name }, query: { limit: '500' } })) as { units: UnitSummary[] };
          units[p.name] = new Map(view.units.map((u) => [u.unitId, u]));
        }),
    );
    return { campaign, plan, units, now: Date.now(), canUrge: true };
  };
  const DONE: Record<string, [string, string]> = {
    started: ['活动已开始。', 'The campaign has started.'],
    extended: ['截止时间已延长。', 'The cutoff was extended.'],
    'signed-off': ['已签批。', 'Signed off.'],
    reinstated: ['单位已恢复。', 'The unit was reinstated.'],
    cancelled: ['活动已取消。', 'The campaign was cancelled.'],
    submitted: ['已报送。', 'Submitted.'],
    approved: ['已审核通过。', 'Approved.'],
    rejected: ['已退回。', 'Rejected.'],
    struck: ['已删减所选的户。', 'The ticked entries were struck.'],
    visits: ['走访记录已登记。', 'The visits were recorded.'],
    objection: ['异议已提交,谢谢。', 'Your objection was received; thank you.'],
    pending: ['已收到,正在处理,请稍后刷新。', 'Received and still being processed; reload shortly.'],
    urged: ['已催办,单位将立即收到提醒。', 'Urged: the unit is reminded now.'],
  };
  const doneOf = (v: Visit) => {
    const words = typeof v.req.query.done === 'string' ? DONE[v.req.query.done] : undefined;
    return words && v.say(...words);
  };

  get('/campaigns/:campaignId', async (v) => {
    const board = await loadBoard(signedIn(v), param(v, 'campaignId'));
    sendPage(v, boardPage(v.ctx, board, { done: doneOf(v), values: {}, key: randomUUID() }));
  });
  get('/campaigns/:campaignId/live', async (v) => {
    sendPage(v, boardLive(v.ctx, await loadBoard(signedIn(v), param(v, 'campaignId'))));
  });

  /** A board action: the operation, then back to the board; a refusal re-renders the board with the form as it was. */
  const boardAction = (path: string, form: string, run: (v: Visit, principal: Principal, campaignId: string) => Promise<unknown>, done: string, fields: Record<string, string>) =>
    post(`/campaigns/:campaignId/${path}`, async (v) => {
      const principal = signedIn(v);
      const campaignId = param(v, 'campaignId');
      try {
        await run(v, principal, campaignId);
        v.res.redirect(303, `/console/campaigns/${campaignId}?done=${done}`);
      } catch (err) {
        if (err instanceof StillPending) return v.res.redirect(303, `/console/campaigns/${campaignId}?done=pending`);
        const board = await loadBoard(principal, campaignId);
        sendPage(v, boardPage(v.ctx, board, { error: { form, ...fieldError(err, v.say, fields) }, values: flat(v.form), key: formKey(v) }), err instanceof ApiError ? err.status : 400);
      }
    });
  boardAction(
    'extend',
    'extend',
    async (v, principal, campaignId) => {
      const plan = await campaigns.plan(campaignId);
      const local = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(one(v, 'cutoff'));
      if (!local) throw new ApiError(400, 'invalid-request', 'cutoff', { issues: [{ path: ['cutoff'], message: v.say('请填写日期和时间。', 'Give a date and time.') }] });
      const [, year, month, day, hour, minute] = local.map(Number);
      const cutoff = new Date(instantAt({ year: year!, month: month!, day: day!, hour: hour!, minute: minute! }, plan.timezone)).toISOString();
      return op(principal, 'extendCutoff', { params: { campaignId, phase: one(v, 'phase'), unitId: one(v, 'unitId') }, body: { cutoff, reason: one(v, 'reason') }, ...sent(v) });
    },
    'extended',
    { cutoff: 'cutoff', reason: 'reason' },
  );
  boardAction('sign-off', 'sign-off', (v, principal, campaignId) => op(principal, 'signOffPhase', { params: { campaignId, phase: one(v, 'phase') }, body: one(v, 'note').trim() ? { note: one(v, 'note') } : {}, ...sent(v) }), 'signed-off', { note: 'note' });
  boardAction('reinstate', 'reinstate', (v, principal, campaignId) => op(principal, 'reinstateUnit', { params: { campaignId, unitId: one(v, 'unitId') }, body: { reason: one(v, 'reason') }, ...sent(v) }), 'reinstated', { reason: 'reason' });
  boardAction('cancel', 'cancel', (v, principal, campaignId) => op(principal, 'cancelCampaign', { params: { campaignId }, body: { reason: one(v, 'reason') }, ...sent(v) }), 'cancelled', { reason: 'reason' });

  post('/campaigns/:campaignId/phases/:phase/units/:unitId/urge', async (v) => {
    const note = one(v, 'note').trim() || v.say('请在截止前提交。', 'Please submit before the cutoff.');
    await op(signedIn(v), 'urgeUnit', { params: { campaignId: param(v, 'campaignId'), unitId: param(v, 'unitId') }, body: { note }, ...sent(v) }).catch((err: unknown) => {
      if (!(err instanceof StillPending)) throw err;
    });
    v.res.redirect(303, `/console/campaigns/${param(v, 'campaignId')}?done=urged`);
  });

  get('/campaigns/:campaignId/report', async (v) => {
    const campaignId = param(v, 'campaignId');
    const report = (await op(signedIn(v), 'readReport', { params: { campaignId } })) as UpwardReport;
    sendPage(v, reportPage(v.ctx, { report, plan: await campaigns.plan(campaignId), visitsByDay: await visitsByDay(deps.pool, campaignId) }));
  });

  // ---- reviewer: the queue and one submission

  get('/reviews', async (v) => {
    const principal = signedIn(v);
    const listed = ((await op(principal, 'listCampaigns', { query: { status: 'running', limit: '100' } })) as { campaigns: ListedCampaign[] }).campaigns;
    const items: QueueItem[] = [];
    for (const c of listed) {
      const board = await loadBoard(principal, c.campaignId);
      for (const phase of PHASE_NAMES) {
        const reviewWithin = board.plan.phases.find((p) => p.name === phase)?.reviewWithin;
        for (const u of board.units[phase]?.values() ?? []) {
          if (u.status !== 'submitted') continue;
          // Only the submissions this reviewer supervises: the API's own check decides.
          const view = await op(principal, 'readUnit', { params: { campaignId: c.campaignId, unitId: u.unitId } }).catch(() => undefined);
          if (!view) continue;
          const state = (view as UnitView).phases.find((p) => p.phase === phase)?.state;
          const last = state?.submissions[state.submissions.length - 1];
          const due = last && reviewWithin ? new Date(Date.parse(last.receivedAt) + isoDurationMs(reviewWithin)).toISOString() : u.cutoff;
          items.push({ campaignId: c.campaignId, title: board.campaign.title, phase, unitId: u.unitId, unitName: u.unitName, due, timeZone: board.plan.timezone });
        }
      }
    }
    items.sort((a, b) => Date.parse(a.due) - Date.parse(b.due));
    sendPage(v, queuePage(v.ctx, items, Date.now()));
  });

  const reviewTarget = (v: Visit) => ({ campaignId: param(v, 'campaignId'), phase: param(v, 'phase'), unitId: param(v, 'unitId') });
  const renderReview = async (v: Visit, forms: Parameters<typeof reviewPage>[1]['forms'], status = 200) => {
    const target = reviewTarget(v);
    const view = (await op(signedIn(v), 'readUnit', { params: { campaignId: target.campaignId, unitId: target.unitId } })) as UnitView;
    const state = view.phases.find((p) => p.phase === target.phase)?.state as UnitPhaseState | undefined;
    if (!state) throw new ConsoleError(404, v.say('该单位本阶段尚未开始。', 'This phase has not started for the unit.'));
    const plan = await campaigns.plan(target.campaignId);
    const last = state.submissions[state.submissions.length - 1];
    const roster = last ? await submittedRoster(deps.pool, target, last.number) : [];
    sendPage(v, reviewPage(v.ctx, { state, roster, timeZone: plan.timezone, forms, ...names(plan) }), status);
  };
  const reviewPath = '/campaigns/:campaignId/phases/:phase/units/:unitId';
  get(`${reviewPath}/review`, async (v) => renderReview(v, { done: doneOf(v), values: {}, key: randomUUID() }));
  /** A review action: back to the page with what was done, or the page again with the form as it was and why. */
  const reviewAction = (path: string, form: (v: Visit) => 'strike' | 'approve' | 'reject', run: (v: Visit) => Promise<unknown>, done: (v: Visit) => string, fields: Record<string, string>) =>
    post(`${reviewPath}/${path}`, async (v) => {
      const back = `/console/campaigns/${param(v, 'campaignId')}/phases/${param(v, 'phase')}/units/${param(v, 'unitId')}/review`;
      try {
        await run(v);
        v.res.redirect(303, `${back}?done=${done(v)}`);
      } catch (err) {
        if (err instanceof StillPending) return v.res.redirect(303, `${back}?done=pending`);
        await renderReview(v, { error: { form: form(v), ...fieldError(err, v.say, fields) }, values: v.form, key: formKey(v) }, err instanceof ApiError ? err.status : 400);
      }
    });
  reviewAction(
    'strikes',
    () => 'strike',
    (v) => {
      const entries = all(v, 'entry').map(Number);
      if (!entries.length) throw new ApiError(400, 'invalid-request', 'entries', { issues: [{ path: ['entries'], message: v.say('请至少勾选一户。', 'Tick at least one entry.') }] });
      return op(signedIn(v), 'strikeEntries', { params: reviewTarget(v), body: { entries: entries.map((entry) => ({ entry, reason: one(v, 'strikeReason') })) }, ...sent(v) });
    },
    () => 'struck',
    { entries: 'entry', reason: 'reason' },
  );
  reviewAction(
    'decision',
    (v) => (one(v, 'decision') === 'reject' ? 'reject' : 'approve'),
    (v) => {
      const reject = one(v, 'decision') === 'reject';
      const reason = one(v, reject ? 'rejectReason' : 'approveNote');
      return op(signedIn(v), 'review', { params: reviewTarget(v), body: reject ? { decision: 'reject', reason } : { decision: 'approve', ...(reason.trim() ? { reason } : {}) }, ...sent(v) });
    },
    (v) => (one(v, 'decision') === 'reject' ? 'rejected' : 'approved'),
    { reason: 'reason', decision: 'reason' },
  );

  // ---- unit clerk

  const renderUnit = async (v: Visit, forms: Parameters<typeof unitPage>[1]['forms'], status = 200) => {
    const principal = signedIn(v);
    const campaignId = param(v, 'campaignId');
    const unitId = param(v, 'unitId');
    const view = (await op(principal, 'readUnit', { params: { campaignId, unitId } })) as UnitView;
    const plan = await campaigns.plan(campaignId);
    const link = (await op(principal, 'readNoticeLink', { params: { campaignId, unitId } }).catch(() => undefined)) as { noticeToken: string } | undefined;
    const publicity = view.phases.find((p) => p.phase === 'publicity')?.state;
    const noticePath = link && publicity ? `/console/notices/${link.noticeToken}` : undefined;
    sendPage(v, unitPage(v.ctx, { view, title: plan.title, timeZone: plan.timezone, noticePath, hasRules: Boolean(plan.rules), now: Date.now(), forms }), status);
  };
  const unitPath = '/campaigns/:campaignId/units/:unitId';
  get(unitPath, async (v) => renderUnit(v, { done: doneOf(v), values: {}, key: randomUUID() }));
  /** A unit's action: back to its page, or the page again naming the form's problem (and each bad row of a file). */
  const unitAction = (path: string, phaseOf: (v: Visit) => PhaseName, form: 'roster' | 'report' | 'visits', run: (v: Visit) => Promise<unknown>, done: string) =>
    post(path, async (v) => {
      const back = `/console/campaigns/${param(v, 'campaignId')}/units/${param(v, 'unitId')}`;
      try {
        await run(v);
        v.res.redirect(303, `${back}?done=${done}#phase-${phaseOf(v)}`);
      } catch (err) {
        if (err instanceof StillPending) return v.res.redirect(303, `${back}?done=pending`);
        const details = err instanceof ApiError ? err.extra.details : undefined;
        const problems = (details?.problems ?? details?.duplicates) as FileProblem[] | undefined;
        const rows = problems?.filter((p) => typeof p.row === 'number').map((p) => ({ ...p, message: p.message ?? '' }));
        const explained = fieldError(err, v.say, { report: 'report' });
        await renderUnit(v, { error: { phase: phaseOf(v), form, ...explained, problems: rows }, values: flat(v.form), key: formKey(v) }, err instanceof ApiError ? err.status : 400);
      }
    });
  const needFile = (v: Visit) => {
    if (!v.file) throw new ConsoleError(400, v.say('请选择要上传的文件。', 'Choose a file to upload.'));
    return { buffer: v.file.buffer, format: v.file.format };
  };
  unitAction(`${unitPath}/roster`, () => 'preparation', 'roster', (v) => op(signedIn(v), 'uploadRoster', { params: { campaignId: param(v, 'campaignId'), unitId: param(v, 'unitId') }, file: needFile(v), ...sent(v) }), 'submitted');
  unitAction(`${unitPath}/visits`, () => 'visiting', 'visits', (v) => op(signedIn(v), 'uploadVisits', { params: { campaignId: param(v, 'campaignId'), unitId: param(v, 'unitId') }, file: needFile(v), ...sent(v) }), 'visits');
  unitAction(
    '/campaigns/:campaignId/phases/:phase/units/:unitId/submit',
    (v) => param(v, 'phase') as PhaseName,
    'report',
    (v) => op(signedIn(v), 'submit', { params: reviewTarget(v), body: { kind: one(v, 'kind'), report: one(v, 'report') }, ...sent(v) }),
    'submitted',
  );

  // ---- public notice (no sign-in: the link is the permission)

  const renderNotice = async (v: Visit, o: { done?: string; error?: { message: string; field?: string }; values: Record<string, string>; key: string }, status = 200) => {
    const token = param(v, 'noticeToken');
    const notice = (await op(undefined, 'readNotice', { params: { noticeToken: token } })) as Notice;
    const plan = await campaigns.plan(notice.campaignId);
    sendPage(v, noticePage(v.ctx, { token, notice, timeZone: plan.timezone, categoryName: names(plan).standardName, ...o }), status);
  };
  get('/notices/:noticeToken', async (v) => renderNotice(v, { done: doneOf(v), values: {}, key: randomUUID() }));
  post('/notices/:noticeToken/objections', async (v) => {
    const entry = one(v, 'entry').trim();
    const values = flat(v.form);
    try {
      if (entry && !/^\d+$/.test(entry)) throw new ApiError(400, 'invalid-request', 'entry', { issues: [{ path: ['entry'], message: v.say('序号应为数字。', 'The entry is a number.') }] });
      await op(undefined, 'fileObjection', { params: { noticeToken: param(v, 'noticeToken') }, body: { kind: one(v, 'kind'), ...(entry ? { entry: Number(entry) } : {}), statement: one(v, 'statement') }, ...sent(v) });
      v.res.redirect(303, `/console/notices/${param(v, 'noticeToken')}?done=objection`);
    } catch (err) {
      if (err instanceof StillPending) return v.res.redirect(303, `/console/notices/${param(v, 'noticeToken')}?done=pending`);
      const known = err instanceof ApiError && err.code === 'InvalidObjection' ? { field: 'entry', message: v.say('名单中没有这个序号。', 'The notice has no such entry.') } : fieldError(err, v.say, { statement: 'statement', entry: 'entry', kind: 'statement' });
      await renderNotice(v, { error: known, values, key: formKey(v) }, err instanceof ApiError ? err.status : 400);
    }
  });

  // ---- files: an API route's download, as the signed-in principal (the route table decides who may)

  get('/files/*path', async (v) => {
    const principal = signedIn(v);
    const apiPath = `/${param(v, 'path')}`;
    const found = deps.routes
      .filter((r) => r.method === 'get' && r.response.mediaType && r.response.mediaType !== 'text/html')
      .map((r) => ({ route: r, params: matchPath(r.path, apiPath) }))
      .find((m) => m.params);
    if (!found) throw new ConsoleError(404, v.say('没有这个文件。', 'No such file.'));
    const file = await reply(principal, found.route.operationId, { params: found.params!, locale: v.lang });
    v.res.status(200).type(found.route.response.mediaType!).set(file.headers ?? {}).set('Cache-Control', 'no-store').send(file.body);
  });

  router.use(
    handler(sessions, async (v) => {
      throw new ConsoleError(404, v.say('没有这个页面。', 'No such page.'));
    }),
  );
  return router;
}

/** The plan's names for its categories and funding sources. */
const names = (plan: CampaignPlan) => ({
  standardName: (id: string) => plan.rules?.standards.find((s) => s.category === id)?.name ?? id,
  sourceName: (id: string) => plan.rules?.fundingSources.find((s) => s.id === id)?.name ?? id,
});

/** An express-style path (`/campaigns/:campaignId/report.csv`) against a concrete one: its parameters, or undefined. */
function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    const name = /^:([A-Za-z]+)(.*)$/.exec(part);
    if (name) {
      const suffix = name[2]!;
      if (!got[i]!.endsWith(suffix) || got[i]!.length === suffix.length) return undefined;
      params[name[1]!] = decodeURIComponent(got[i]!.slice(0, got[i]!.length - suffix.length));
    } else if (part !== got[i]) return undefined;
  }
  return params;
}
