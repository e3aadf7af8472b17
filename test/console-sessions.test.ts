import { request } from 'node:http';
import { apiConfig, startLazyApi, type RunningApi } from './harness/api';
import { subDistrictSpringPlan } from './harness/plans';
import { testStore } from './harness/postgres';
import { uniqueId } from './harness/temporal';
import { html } from '../console/html';

// Console sessions over plain HTTP (no browser, no Temporal: signing in only asks the record): a
// one-time link or a pasted token traded for an HttpOnly, SameSite=Strict cookie whose id the
// database keeps only as a hash; every form refused without its token; the language as asked.

const ADMIN = 'console-admin-token-000000001';
const ORG = 'jiedao-office';
const COORDINATOR = 'console-grant-coordinator-0001';

let api: RunningApi;
const store = testStore('all');
beforeAll(async () => {
  const config = apiConfig({ address: '127.0.0.1:9', taskQueue: uniqueId('tq'), databaseUrl: store.url, apiTokens: `${ADMIN}=admin:${ORG},${COORDINATOR}=coordinator:civil-affairs-office` });
  api = await startLazyApi(config, store.pool);
});
afterAll(async () => api?.close());

/** A browser's cookie jar, by name, for the /console path. */
class Visitor {
  readonly cookies = new Map<string, string>();
  constructor(private readonly headers: Record<string, string> = {}) {}
  async request(method: 'GET' | 'POST', path: string, form?: Record<string, string>) {
    const response = await fetch(`${api.url}${path}`, {
      method,
      redirect: 'manual',
      headers: { ...this.headers, cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    const setCookies = response.headers.getSetCookie();
    for (const c of setCookies) {
      const [pair] = c.split(';');
      const [name, value] = pair!.split('=');
      if (value) this.cookies.set(name!, value);
      else this.cookies.delete(name!);
    }
    return { status: response.status, location: response.headers.get('location'), setCookies, text: await response.text() };
  }
  /** The form token of a page. */
  static csrf(page: string): string {
    return /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
  }
}

describe('console sessions', () => {
  test('given a one-time sign-in link, when the person opens it and signs in, it should get an HttpOnly SameSite=Strict session kept only as a hash, and the link should not work twice', async () => {
    const admin = (path: string, body: unknown) => api.call('POST', path, { token: ADMIN, body });
    expect((await admin('/organization', { name: '街道办事处' })).status).toBe(200);
    const person = await admin('/organization/people', { displayName: '民政办 王主任', roles: ['coordinator'] });
    const { link } = (await admin(`/organization/people/${person.body.personId}/sign-in-links`, { minutes: 5 })).body as { link: string };

    const browser = new Visitor();
    const linkPage = await browser.request('GET', `/console/sign-in?link=${encodeURIComponent(link)}`);
    expect(linkPage.status).toBe(200);
    // Opening the link does not use it (a mail scanner may follow links): the button does.
    expect((await store.pool.query('SELECT used_at FROM sign_in_links')).rows[0].used_at).toBeNull();
    const signedIn = await browser.request('POST', '/console/sign-in', { _csrf: Visitor.csrf(linkPage.text), link, back: '/console' });
    expect(signedIn.status).toBe(303);
    const cookie = signedIn.setCookies.find((c) => c.startsWith('console_session='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/console/);
    const sessionId = browser.cookies.get('console_session')!;
    const rows = (await store.pool.query('SELECT session_hash, person_id, expires_at > now() AS live FROM console_sessions')).rows;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ person_id: person.body.personId, live: true });
    expect(rows[0].session_hash.toString('hex')).not.toContain(Buffer.from(sessionId).toString('hex'));
    const home = await browser.request('GET', '/console');
    expect(home.status).toBe(200);
    expect(home.text).toContain('上传方案,开始活动');

    const again = new Visitor();
    const second = await again.request('GET', `/console/sign-in?link=${encodeURIComponent(link)}`);
    const refused = await again.request('POST', '/console/sign-in', { _csrf: Visitor.csrf(second.text), link });
    expect(refused.status).toBe(401);
    expect(refused.text).toContain('该登录链接无效、已用过或已过期');
    expect(again.cookies.has('console_session')).toBe(false);
  });

  test('given a signed-in session, when a form is posted without its token or with another, it should be refused with 403 and change nothing; signing out should end the session', async () => {
    const browser = new Visitor();
    const signIn = await browser.request('GET', '/console/sign-in');
    const wrong = await browser.request('POST', '/console/sign-in', { _csrf: Visitor.csrf(signIn.text), token: 'not-a-token-at-all' });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('令牌无效');
    expect((await browser.request('POST', '/console/sign-in', { token: COORDINATOR })).status).toBe(403);
    expect(browser.cookies.has('console_session')).toBe(false);
    expect((await browser.request('POST', '/console/sign-in', { _csrf: Visitor.csrf(signIn.text), token: COORDINATOR })).status).toBe(303);
    const home = await browser.request('GET', '/console');
    expect(home.status).toBe(200);
    const csrf = Visitor.csrf(home.text);
    // The pre-session token is not the session's: a form from before signing in is refused.
    expect(csrf).not.toBe(Visitor.csrf(signIn.text));
    const forged = await browser.request('POST', '/console/campaigns', { _csrf: Visitor.csrf(signIn.text), planText: '{}' });
    expect(forged.status).toBe(403);
    expect(forged.text).toContain('表单已过期或来源不明');
    expect((await store.pool.query('SELECT count(*)::int AS n FROM campaigns')).rows[0].n).toBe(0);
    // With its token the same form is judged on its content: a plan with problems, each named, the text kept.
    const judged = await browser.request('POST', '/console/campaigns', { _csrf: csrf, planText: '{"id": "x"}' });
    expect(judged.status).toBe(400);
    expect(judged.text).toContain('阶段 (phases)');
    expect(judged.text).toContain('{&quot;id&quot;: &quot;x&quot;}');
    expect((await browser.request('POST', '/console/sign-out', { _csrf: csrf })).status).toBe(303);
    const after = await browser.request('GET', '/console');
    expect(after.status).toBe(303);
    expect(after.location).toBe('/console/sign-in');
  });

  test('given a browser that asks for English, the console should answer in English, and the switch should bring Chinese back', async () => {
    const english = new Visitor({ 'accept-language': 'en-GB,en;q=0.9,zh;q=0.5' });
    expect((await english.request('GET', '/console/sign-in')).text).toContain('<title>Sign in');
    const back = await english.request('GET', '/console/lang?to=zh-CN&back=/console/sign-in');
    expect(back.location).toBe('/console/sign-in');
    expect((await english.request('GET', '/console/sign-in')).text).toContain('<title>登录');
    expect((await new Visitor().request('GET', '/console/sign-in')).text).toContain('lang="zh-CN"');
  });

  test('given a form whose body is still arriving, the act it records should carry the instant the form arrived, not when it was read', async () => {
    const plan = subDistrictSpringPlan({ id: uniqueId('postmark'), webhook: (p) => `http://127.0.0.1:9/${p}`, units: 1 });
    await store.records.startCampaign(plan, { requestId: 'start', actor: plan.coordinator.id });
    const browser = new Visitor();
    const signIn = await browser.request('GET', '/console/sign-in');
    expect((await browser.request('POST', '/console/sign-in', { _csrf: Visitor.csrf(signIn.text), token: COORDINATOR })).status).toBe(303);
    const csrf = Visitor.csrf((await browser.request('GET', '/console')).text);
    const form = Buffer.from(new URLSearchParams({ _csrf: csrf, _key: uniqueId('urge'), note: '请尽快报送困难群众名单' }).toString());
    const sentAt = Date.now();
    // The headers and half the form now, the rest 1.5 s later, as a slow line would carry them.
    await new Promise<void>((resolve, reject) => {
      const { hostname, port } = new URL(api.url);
      const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      const req = request({ hostname, port, method: 'POST', path: `/console/campaigns/${plan.id}/phases/preparation/units/${plan.units[0]!.id}/urge`, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', 'content-length': form.length } }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.write(form.subarray(0, form.length / 2));
      setTimeout(() => req.end(form.subarray(form.length / 2)), 1_500);
    });
    // Recorded before the reminder is handed to Temporal (unreachable here), so the row is there either way.
    const { rows } = await store.pool.query<{ at: Date }>("SELECT at FROM audit WHERE campaign_id = $1 AND action = 'urged'", [plan.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.at.getTime()).toBeGreaterThanOrEqual(sentAt - 5);
    expect(rows[0]!.at.getTime()).toBeLessThan(sentAt + 1_000);
  });

  test('given a text with markup, when a page shows it, it should be text, never markup', () => {
    expect(html`<td>${'<script>alert("x")</script>'}</td>`.text).toBe('<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</td>');
    expect(html`<td>${[html`<b>${'&'}</b>`, 1]}</td>`.text).toBe('<td><b>&amp;</b>1</td>');
  });
});
