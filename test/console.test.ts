import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { CampaignPlan } from '../domain/plan';
import { eventually, startWorkerAndApi, type RunningApi } from './harness/api';
import { realServer } from './harness/per-test';
import { generateHouseholds, rosterXlsx } from './harness/roster-fixtures';
import { createDevServerEnv, uniqueId } from './harness/temporal';

// The console in Debian's chromium (never a downloaded browser), against real Temporal and the real
// database: a coordinator starts plan 1 from its file; a clerk uploads a roster with two bad rows,
// sees them, fixes them; the reviewer strikes one entry and approves; the board shows the unit
// approved; the clerk finds the printable roster; the coordinator signs the phase off; a visitor
// objects on the phone-sized notice. axe-core checks every page; each page is photographed in Chinese.

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(__dirname, '..', 'docs', 'console');
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const UNIT = 'dongfeng';
const tokens = { coordinator: 'console-coordinator-token-0001', reviewer: 'console-reviewer-civil-00001', unit: 'console-unit-dongfeng-00001' } as const;

const dev = realServer(createDevServerEnv, 'all');

/** Plan 1 as its file has it, with its phases moved to the next minutes (a dev server runs in real time) and its webhooks to the receiver. */
function planOneSoon(): CampaignPlan {
  const file = JSON.parse(readFileSync(join(__dirname, '..', 'examples', 'plan-1-sub-district-spring.json'), 'utf8')) as { plan: CampaignPlan };
  const webhooks = JSON.parse(JSON.stringify(file.plan).replace(/http:\/\/127\.0\.0\.1:8234\/([^"]+)/g, (_m, path: string) => dev.receiver.url(`/${path}`))) as CampaignPlan;
  // Preparation holds the clerk's two uploads and the review; publicity the visitor's objection.
  const lengths = [120_000, 120_000, 120_000, 60_000];
  let at = Date.now() + 4_000;
  const phases = webhooks.phases.map((p, i) => {
    const opensAt = at;
    const cutoff = at + lengths[i]!;
    at = cutoff + 5_000;
    const span = (ms: number) => opensAt + ((ms - Date.parse(p.opensAt)) / (Date.parse(p.cutoff) - Date.parse(p.opensAt))) * (cutoff - opensAt);
    return { ...p, opensAt: new Date(opensAt).toISOString(), cutoff: new Date(cutoff).toISOString(), reminders: [], ...(p.milestones ? { milestones: p.milestones.map((m) => ({ ...m, at: new Date(span(Date.parse(m.at))).toISOString() })) } : {}) };
  });
  return { ...webhooks, id: uniqueId('plan1'), phases };
}

interface AxeResult {
  violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
}

describe('the console (chromium, dev server, real database)', () => {
  let api: RunningApi;
  let stop: (() => Promise<void>) | undefined;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const checked: string[] = [];

  /** No serious or critical axe-core violation on the page as it stands; and its picture, in Chinese. */
  const audit = async (page: Page, name: string) => {
    await page.evaluate(AXE);
    const result = (await page.evaluate('axe.run(document, { resultTypes: ["violations"] })')) as AxeResult;
    const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} @ ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    expect({ page: name, serious }).toEqual({ page: name, serious: [] });
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    checked.push(name);
  };

  const signedInPage = async (token: string, viewport = { width: 1366, height: 768 }) => {
    const context = await browser.newContext({ viewport, locale: 'zh-CN', extraHTTPHeaders: { 'Accept-Language': 'zh-CN,zh;q=0.9' } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${api.url}/console`);
    await page.waitForURL(/\/console\/sign-in/);
    await page.getByLabel('令牌').fill(token);
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/console/sign-in'));
    return page;
  };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const grants = `${tokens.coordinator}=coordinator:civil-affairs-office,${tokens.reviewer}=reviewer:civil-affairs-review,${tokens.unit}=unit:${UNIT}`;
    ({ api, stop } = await startWorkerAndApi(dev.env, grants));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await stop?.();
  });

  test('given plan 1 as its file, when each role walks its main path in the console, every step should show what the record holds and every page should pass axe-core', async () => {
    const plan = planOneSoon();
    const dir = mkdtempSync(join(tmpdir(), 'console-'));
    const planFile = join(dir, 'plan-1-sub-district-spring.json');
    writeFileSync(planFile, JSON.stringify({ plan }, null, 2));

    const coordinator = await signedInPage(tokens.coordinator);
    await audit(coordinator, '01-home-coordinator');

    // A plan with a problem is refused, the problem shown at its line, the text kept to mend.
    await coordinator.goto(`${api.url}/console/campaigns/new`);
    await audit(coordinator, '02-start-campaign');
    const broken = { plan: { ...plan, units: plan.units.map((u, i) => (i === 1 ? { ...u, quota: -5 } : u)) } };
    await coordinator.getByLabel('或直接粘贴方案内容').fill(JSON.stringify(broken, null, 2));
    await coordinator.getByRole('button', { name: '开始活动' }).click();
    const alert = coordinator.getByRole('alert');
    await expect(alert.textContent()).resolves.toMatch(/单位 \(units\) › 第2项 › 名额 \(quota\)/);
    await expect(coordinator.locator('.plan-text .bad').count()).resolves.toBeGreaterThan(0);
    await expect(coordinator.getByLabel('或直接粘贴方案内容').inputValue()).resolves.toContain('"quota": -5');
    await audit(coordinator, '03-start-campaign-problems');

    // The file itself starts the campaign; the board shows the picture.
    await coordinator.getByLabel('或直接粘贴方案内容').fill('');
    await coordinator.locator('#f-plan-file').setInputFiles(planFile);
    await coordinator.getByRole('button', { name: '开始活动' }).click();
    await coordinator.waitForURL(new RegExp(`/console/campaigns/${plan.id}`));
    await expect(coordinator.getByRole('status').first().textContent()).resolves.toContain('活动已开始');
    const cell = (page: Page, phase: string) => page.locator(`#board-picture td[data-unit="${UNIT}"][data-phase="${phase}"]`);

    // The clerk: the open phase with its cutoff in Beijing time, a roster with two bad rows.
    const clerk = await signedInPage(tokens.unit);
    await audit(clerk, '04-home-unit');
    // The API's access table holds here too: another unit's page is refused.
    expect((await clerk.goto(`${api.url}/console/campaigns/${plan.id}/units/hongqi`))?.status()).toBe(403);
    await clerk.goto(`${api.url}/console/campaigns/${plan.id}/units/${UNIT}`);
    await eventually(async () => {
      await clerk.reload();
      await expect(clerk.locator('#phase-preparation [data-status]').getAttribute('data-status')).resolves.toBe('open');
    }, 60_000);
    await expect(clerk.locator('#phase-preparation').textContent()).resolves.toContain('Asia/Shanghai');
    const template = await clerk.request.get(`${api.url}/console/files/campaigns/${plan.id}/units/${UNIT}/roster-template.xlsx`);
    expect(template.status()).toBe(200);
    expect(template.headers()['content-type']).toContain('spreadsheetml');
    const households = generateHouseholds(4, plan, UNIT, 16);
    const bad = households.map((h, i) => (i === 1 ? { ...h, category: 'no-such-category' } : i === 2 ? { ...h, amount: 5 } : h));
    writeFileSync(join(dir, 'bad.xlsx'), await rosterXlsx(bad));
    await clerk.locator('#f-roster-preparation').setInputFiles(join(dir, 'bad.xlsx'));
    await clerk.getByRole('button', { name: '上传并报送名册' }).click();
    const problemRows = clerk.locator('#file-problems tbody tr');
    await expect(problemRows.count()).resolves.toBe(2);
    await expect(problemRows.nth(0).locator('td').first().textContent()).resolves.toBe('3');
    await expect(problemRows.nth(1).locator('td').first().textContent()).resolves.toBe('4');
    await audit(clerk, '05-unit-roster-problems');
    writeFileSync(join(dir, 'fixed.xlsx'), await rosterXlsx(households));
    await clerk.locator('#f-roster-preparation').setInputFiles(join(dir, 'fixed.xlsx'));
    await clerk.getByRole('button', { name: '上传并报送名册' }).click();
    await expect(clerk.getByRole('status').first().textContent()).resolves.toMatch(/已报送|正在处理/);

    // The board learns of the submission without a reload.
    await eventually(async () => expect(cell(coordinator, 'preparation').getAttribute('data-status')).resolves.toBe('submitted'), 30_000);
    await audit(coordinator, '06-board');

    // The reviewer: the queue, one entry struck with its reason, then approved.
    const reviewer = await signedInPage(tokens.reviewer);
    await reviewer.goto(`${api.url}/console/reviews`);
    await audit(reviewer, '07-review-queue');
    await reviewer.getByRole('link', { name: /审核/ }).first().click();
    await reviewer.getByRole('button', { name: '删减所选' }).click();
    await expect(reviewer.locator('#strike-entry-error').textContent()).resolves.toContain('请至少勾选一户');
    await reviewer.locator('#strike-2').check();
    await reviewer.getByLabel('删减理由').fill('经入户核实不符合条件');
    await reviewer.getByRole('button', { name: '删减所选' }).click();
    await expect(reviewer.locator('tr.st-rejected').count()).resolves.toBe(1);
    await audit(reviewer, '08-review-roster');
    await reviewer.getByRole('button', { name: '审核通过' }).click();
    await expect(reviewer.locator('#unit-status').textContent()).resolves.toBe('已通过');

    // The board's picture shows the unit approved, and the report page draws its charts.
    await eventually(async () => expect(cell(coordinator, 'preparation').getAttribute('data-status')).resolves.toBe('approved'), 30_000);
    await coordinator.goto(`${api.url}/console/campaigns/${plan.id}/report`);
    await expect(coordinator.locator('svg.chart').count()).resolves.toBe(4);
    await audit(coordinator, '09-report');

    // The clerk's printable signed roster (the documents routes draw it).
    await clerk.goto(`${api.url}/console/campaigns/${plan.id}/units/${UNIT}`);
    const print = clerk.locator('#phase-preparation a.print-roster');
    await expect(print.getAttribute('href')).resolves.toBe(`/console/files/campaigns/${plan.id}/phases/preparation/units/${UNIT}/roster.pdf`);
    await audit(clerk, '10-unit-approved');

    // The phase awaits sign-off after its cutoff; the coordinator signs it off on the board.
    await coordinator.goto(`${api.url}/console/campaigns/${plan.id}`);
    await eventually(async () => {
      await coordinator.reload();
      await expect(coordinator.locator('#h-signoff').textContent()).resolves.toContain('(1)');
    }, 240_000);
    await coordinator.getByRole('button', { name: '签批' }).click();
    await expect(coordinator.getByRole('status').first().textContent()).resolves.toMatch(/已签批|正在处理/);

    // A visitor on a phone: the notice, an objection refused for a missing statement (the entry kept), then filed.
    await clerk.goto(`${api.url}/console/campaigns/${plan.id}/units/${UNIT}`);
    const noticeHref = await eventually(async () => {
      await clerk.reload();
      const href = await clerk.getByRole('link', { name: '查看公示' }).getAttribute('href', { timeout: 1_000 });
      expect(href).toMatch(/^\/console\/notices\//);
      return href!;
    }, 60_000);
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN' });
    contexts.push(phone);
    const visitor = await phone.newPage();
    await eventually(async () => {
      const res = await visitor.goto(`${api.url}${noticeHref}`);
      expect(res?.status()).toBe(200);
    }, 60_000);
    await expect(visitor.locator('table tbody tr').count()).resolves.toBe(3);
    await audit(visitor, '11-notice-phone');
    await visitor.getByLabel('序号(针对名单中的户时填写)').fill('1');
    await visitor.getByRole('button', { name: '提交异议' }).click();
    await expect(visitor.locator('#f-statement-error').textContent()).resolves.toContain('请填写');
    await expect(visitor.getByLabel('序号(针对名单中的户时填写)').inputValue()).resolves.toBe('1');
    await visitor.getByLabel('异议内容').fill('该户家中有经营性收入,不符合条件');
    await visitor.getByRole('button', { name: '提交异议' }).click();
    await expect(visitor.getByRole('status').first().textContent()).resolves.toMatch(/异议已提交|正在处理/);
    await expect(visitor.getByText(/第 1 号/).count()).resolves.toBe(1);
    await audit(visitor, '12-notice-objection-filed');

    // English on request.
    await coordinator.getByRole('link', { name: 'English' }).click();
    await expect(coordinator.locator('h2').first().textContent()).resolves.toBe('Picture');
    expect(checked).toHaveLength(12);
  }, 600_000);
});
