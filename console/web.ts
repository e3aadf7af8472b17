import { randomBytes, randomUUID } from 'node:crypto';
import Busboy from 'busboy';
import type { NextFunction, Request, Response } from 'express';
import type { Principal } from '../api/access';
import { postmark } from '../api/app';
import { ApiError } from '../api/errors';
import { FILE_MEDIA_TYPES } from '../api/routes';
import type { FileFormat } from '../api/roster-files';
import { html, type Html } from './html';
import { pickLang, sayer, type Lang, type Say } from './i18n';
import { notice, page, type PageContext } from './layout';
import { StillPending } from './operations';
import { sameSecret, SESSION_COOKIE, type Session, type Sessions } from './sessions';

// What every console request shares: cookies, language, session, the form token, forms and files
// parsed, and errors turned into a page in the visitor's language.

const ANON_CSRF_COOKIE = 'console_csrf';
/** The same limit as the API's uploads. */
const FILE_LIMIT = 16 * 1024 * 1024;

export interface Visit {
  req: Request;
  res: Response;
  lang: Lang;
  say: Say;
  session?: Session;
  /** The session's principal; pages that need one call signedIn(). */
  principal?: Principal;
  ctx: PageContext;
  form: Record<string, string | string[]>;
  file?: { buffer: Buffer; format: FileFormat; name: string };
  /** The postmark: when the request's headers arrived (api/app.ts), before the form was read. */
  arrivedAt: string;
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    try {
      out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      // A cookie that is not ours and not URI-encoded: ignored.
    }
  }
  return out;
}

export const cookieOptions = (maxAgeMs?: number) => ({ httpOnly: true, sameSite: 'strict' as const, path: '/console', ...(maxAgeMs ? { maxAge: maxAgeMs } : {}) });

/** The visit: language, session and form token; a POST's form parsed and its token checked. */
export async function visitOf(req: Request, res: Response, sessions: Sessions): Promise<Visit> {
  const cookies = parseCookies(req.get('cookie'));
  const lang = pickLang(req, cookies);
  const say = sayer(lang);
  const sessionId = cookies[SESSION_COOKIE];
  const session = sessionId ? await sessions.find(sessionId) : undefined;
  let csrf = session?.csrf ?? cookies[ANON_CSRF_COOKIE];
  if (!csrf) {
    csrf = randomBytes(24).toString('base64url');
    res.cookie(ANON_CSRF_COOKIE, csrf, cookieOptions());
  }
  const ctx: PageContext = { lang, say, csrf, here: req.originalUrl, ...(session ? { signedIn: { subject: session.principal.subject } } : {}) };
  const visit: Visit = { req, res, lang, say, session, principal: session?.principal, ctx, form: {}, arrivedAt: postmark(res) };
  if (req.method === 'POST') {
    await readForm(req, visit);
    const sent = typeof visit.form._csrf === 'string' ? visit.form._csrf : '';
    if (!sameSecret(sent, csrf)) throw new ConsoleError(403, say('表单已过期或来源不明,请刷新页面后重试。', 'This form has expired or did not come from this console; reload the page and try again.'));
  }
  return visit;
}

async function readForm(req: Request, visit: Visit): Promise<void> {
  if (req.is('application/x-www-form-urlencoded')) {
    const text = await rawText(req);
    for (const [k, v] of new URLSearchParams(text)) add(visit.form, k, v);
    return;
  }
  if (!req.is('multipart/form-data')) return;
  await new Promise<void>((resolve, reject) => {
    const busboy = Busboy({ headers: req.headers, limits: { fileSize: FILE_LIMIT, files: 1, fields: 200 } });
    busboy.on('field', (name, value) => add(visit.form, name, value));
    busboy.on('file', (_name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => reject(new ConsoleError(413, visit.say('文件超过 16 MB。', 'The file is over 16 MB.'))));
      stream.on('end', () => {
        const buffer = Buffer.concat(chunks);
        if (!buffer.length) return;
        const filename = info.filename ?? '';
        const lower = filename.toLowerCase();
        const format: FileFormat = lower.endsWith('.csv') || info.mimeType === FILE_MEDIA_TYPES.csv ? 'csv' : 'xlsx';
        visit.file = { buffer, format, name: filename };
      });
    });
    busboy.on('close', () => resolve());
    busboy.on('error', reject);
    req.pipe(busboy);
  });
}

const rawText = (req: Request) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 2 * 1024 * 1024) reject(new ConsoleError(413, 'form too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

function add(form: Record<string, string | string[]>, key: string, value: string) {
  const had = form[key];
  form[key] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
}

/** A form value as one string ('' when absent). */
export const one = (visit: Visit, key: string): string => {
  const v = visit.form[key];
  return (Array.isArray(v) ? v[0] : v) ?? '';
};
export const all = (visit: Visit, key: string): string[] => {
  const v = visit.form[key];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};
/** A path parameter (a wildcard's parts joined by /). */
export const param = (visit: Visit, name: string): string => {
  const p = (visit.req.params as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(p) ? p.join('/') : (p ?? '');
};
export const formKey = (visit: Visit): string => (/^[A-Za-z0-9-]{8,64}$/.test(one(visit, '_key')) ? one(visit, '_key') : randomUUID());

/** What a form's write carries to its operation: its key, and the instant it arrived (a roster still uploading at the cutoff was sent on time). */
export const sent = (visit: Visit): { key: string; arrivedAt: string } => ({ key: formKey(visit), arrivedAt: visit.arrivedAt });

/** A failure the console explains itself (no session, a forged form). */
export class ConsoleError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function signedIn(visit: Visit): Principal {
  if (!visit.principal) throw new ConsoleError(401, visit.say('请先登录。', 'Please sign in first.'));
  return visit.principal;
}

export const sendPage = (visit: Visit, body: Html, status = 200): void => {
  visit.res.status(status).type('html').set('Cache-Control', 'no-store').send(body.text);
};

/** The API's refusal in words for a person: the codes people meet, then the API's own message. */
export function explain(err: unknown, say: Say): string {
  if (err instanceof StillPending) return say('已收到,正在处理,请稍后刷新查看结果。', 'Received and still being processed; reload in a moment to see the outcome.');
  if (err instanceof ConsoleError) return err.message;
  if (!(err instanceof ApiError)) return say('系统出错,请稍后再试。', 'Something went wrong; please try again later.');
  const words: Record<string, [string, string]> = {
    forbidden: ['您的身份无权执行此操作。', 'Your role may not do this.'],
    'campaign-not-found': ['没有这个活动,或您无权查看。', 'No such campaign, or you may not see it.'],
    'unit-not-found': ['活动中没有这个单位。', 'The campaign has no such unit.'],
    'campaign-exists': ['已有同一编号的活动。', 'A campaign with this id exists already.'],
    CutoffPassed: ['已过截止时间,逾期不接收。', 'The cutoff has passed: late submissions are not accepted.'],
    PhaseNotOpenYet: ['本阶段尚未开始。', 'This phase has not opened yet.'],
    'phase-not-started': ['本阶段尚未开始。', 'This phase has not started yet.'],
    AwaitingReview: ['已报送,正在等待审核。', 'Already submitted and awaiting review.'],
    AlreadyApproved: ['已审核通过,无需再报。', 'Already approved.'],
    NothingToReview: ['没有待审核的报送。', 'Nothing awaits review.'],
    NotAwaitingSignOff: ['该阶段不在待签批状态。', 'That phase does not await sign-off.'],
    InvalidExtension: ['新的截止时间须晚于现在的截止时间。', 'The new cutoff must be later than the current one.'],
    UnitNotForfeited: ['该单位没有逾期放弃,无需恢复。', 'That unit has not forfeited.'],
    ObjectionsOpen: ['公示期还有未处理的异议,暂不能通过。', 'Objections to the notice are still open.'],
    'temporal-unavailable': ['流程服务暂时无法连接,请稍后再试。', 'The process service is unreachable; try again shortly.'],
    'database-unavailable': ['数据库暂时无法连接,请稍后再试。', 'The database is unreachable; try again shortly.'],
  };
  const known = words[err.code];
  return known ? `${say(...known)} (${err.message})` : err.message;
}

/** A handler with its visit; what it throws becomes a page (sign-in for 401). */
export function handler(sessions: Sessions, run: (visit: Visit) => Promise<void>) {
  return (req: Request, res: Response, next: NextFunction) => {
    let visit: Visit | undefined;
    visitOf(req, res, sessions)
      .then((v) => {
        visit = v;
        return run(v);
      })
      .catch((err: unknown) => {
        if (res.headersSent) return next(err);
        const say = visit?.say ?? sayer(pickLang(req, parseCookies(req.get('cookie'))));
        const status = err instanceof ConsoleError || err instanceof ApiError ? err.status : err instanceof StillPending ? 202 : 500;
        if (status === 401) return res.redirect(303, `/console/sign-in?back=${encodeURIComponent(req.originalUrl)}`);
        if (status === 500) return next(err);
        const ctx = visit?.ctx ?? { lang: 'zh-CN', say, csrf: '', here: req.originalUrl };
        res.status(status).type('html').send(page(ctx, say('无法完成', 'Could not be done'), errorBody(explain(err, say), say)).text);
      });
  };
}

const errorBody = (message: string, say: Say): Html[] => [notice('error', message), html`<p><a href="/console">${say('返回首页', 'Back to the start page')}</a></p>`];
