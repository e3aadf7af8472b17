import ExcelJS from 'exceljs';
import pdf from 'pdf-parse';
import { campaignPlanSchema } from '../domain/plan';
import type { Household } from '../domain/household';
import { apiConfig, startLazyApi, type RunningApi } from './harness/api';
import { at, household, seasonYear, subDistrictSpringPlan } from './harness/plans';
import { testStore } from './harness/postgres';
import { uniqueId } from './harness/temporal';

// The documents people print and file, through the API on a real port and a real PostgreSQL: the
// signed roster (慰问名册) of plan 1's 东風村 with 40 households over several pages, and the upward
// report as a workbook and a PDF, against the JSON report. The record is written as the workflows'
// activities write it (store/records.ts); the documents read only the record, so Temporal is
// never reached (the API's client points at a closed port and connects on first use only).

const store = testStore('all');
const campaignId = uniqueId('spring-documents');
const base = subDistrictSpringPlan({ id: campaignId, webhook: (p) => `http://127.0.0.1:9/${p}` });
// Plan 6's way of pacing visits: half the households by the end of 2月10日.
const plan = campaignPlanSchema.parse({
  ...base,
  phases: base.phases.map((p) => (p.name === 'visiting' ? { ...p, milestones: [{ at: at(seasonYear(), 2, 11, 0), coverage: 0.5 }] } : p)),
});
const [big, small, none] = plan.units as [(typeof plan.units)[number], (typeof plan.units)[number], (typeof plan.units)[number]];
const tokens = {
  coordinator: 'documents-coordinator-0000001',
  bigUnit: 'documents-unit-community-1-01',
  smallUnit: 'documents-unit-community-2-01',
  bigReviewer: 'documents-reviewer-civil-00001',
  smallReviewer: 'documents-reviewer-discipline1',
  otherAdmin: 'documents-admin-other-org-0001',
};
/** Names no other name contains, so each can be found in the page's text. */
const named = (n: number, fields: Partial<Household> = {}) => household(n, { name: `户主${n}号`, ...fields });
const bigRoster = Array.from({ length: 40 }, (_, i) =>
  i % 4 === 0 ? named(i + 1, { category: 'key', amount: 800, fundingSource: 'city-district-finance' }) : named(i + 1, { category: 'general', amount: 300 + i * 5, goods: i % 2 ? undefined : '米1袋、油1桶' }),
);
const smallRoster = [named(101, { category: 'leifeng', amount: 1_200, fundingSource: 'leifeng-charity' }), named(102), named(103, { category: 'special', amount: 500, fundingSource: 'disabled-federation' })];

let api: RunningApi;
let otherCoordinator: string;

beforeAll(async () => {
  const grants = [
    `${tokens.coordinator}=coordinator:${plan.coordinator.id}`,
    `${tokens.bigUnit}=unit:${big.id}`,
    `${tokens.smallUnit}=unit:${small.id}`,
    `${tokens.bigReviewer}=reviewer:${big.supervisor}`,
    `${tokens.smallReviewer}=reviewer:${small.supervisor}`,
    `${tokens.otherAdmin}=admin:xx-county-charity`,
  ].join(',');
  api = await startLazyApi(apiConfig({ address: '127.0.0.1:9', taskQueue: 'documents', databaseUrl: store.url, apiTokens: grants }), store.pool);

  const { records } = store;
  const at = new Date().toISOString();
  await records.startCampaign(plan, { requestId: `start:${campaignId}`, actor: plan.coordinator.id, organizationId: null });
  await records.loadParticipants({ campaignId, phase: 'preparation', offset: 0, limit: 10 });
  const approve = async (unitId: string, households: Household[]) => {
    const uploadId = `upload:${unitId}`;
    await records.stageHouseholds({ campaignId, unitId, uploadId, actor: unitId, households });
    expect((await records.recordSubmission({ campaignId, phase: 'preparation', unitId, requestId: `submit:${unitId}`, actor: unitId, receivedAt: at, at, kind: 'applicant-roster', report: '慰问对象申报名册', uploadId })).ok).toBe(true);
    await records.recordReview({ campaignId, phase: 'preparation', unitId, requestId: `approve:${unitId}`, actor: 'civil-affairs-review', receivedAt: at, at, decision: 'approve', submissionNumber: 1 });
  };
  await approve(big.id, bigRoster);
  await approve(small.id, smallRoster);
  await records.loadParticipants({ campaignId, phase: 'visiting', offset: 0, limit: 10 });
  // 东風村 has paid its first 12 households.
  const visits = bigRoster.slice(0, 12).map((h, i) => ({ entry: i + 1, amount: h.amount, visitedOn: '2028-02-09', recipientSigned: true, handler: '王干事' }));
  expect((await records.recordVisits({ campaignId, unitId: big.id, requestId: `visits:${big.id}`, actor: big.id, receivedAt: at, at, visits })).ok).toBe(true);

  // A coordinator of another organization, made by its administrator.
  const admin = (path: string, body: unknown) => api.call('POST', path, { token: tokens.otherAdmin, body });
  expect((await admin('/organization', { name: '某某县慈善会' })).status).toBe(200);
  const person = (await admin('/organization/people', { displayName: '慈善会 协调员', roles: ['coordinator'] })).body.personId;
  otherCoordinator = (await admin(`/organization/people/${person}/tokens`, { name: '协调员', expiresAt: new Date(Date.now() + 3_600_000).toISOString() })).body.token;
}, 60_000);

afterAll(async () => api?.close());

async function download(path: string, token: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string | null; disposition: string | null; body: Buffer }> {
  const response = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
  return { status: response.status, type: response.headers.get('content-type'), disposition: response.headers.get('content-disposition'), body: Buffer.from(await response.arrayBuffer()) };
}

/** The text of each page, as a PDF reader extracts it. */
async function pdfPages(bytes: Buffer): Promise<string[]> {
  const pages: string[] = [];
  await pdf(bytes, {
    pagerender: async (page: { getTextContent(): Promise<{ items: { str: string }[] }> }) => {
      const content = await page.getTextContent();
      const text = content.items.map((item) => item.str).join('');
      pages.push(text);
      return text;
    },
  });
  return pages;
}

const rosterPath = (unitId: string, phase = 'visiting') => `/campaigns/${campaignId}/phases/${phase}/units/${unitId}/roster.pdf`;

describe('the signed roster (慰问名册)', () => {
  test('given a unit’s approved roster of 40 households, when the unit prints it, every page should carry the title and the signature columns, and the roster every household by name, category and amount, with the totals and a date line at the end', async () => {
    const file = await download(rosterPath(big.id), tokens.bigUnit);
    expect({ status: file.status, type: file.type }).toEqual({ status: 200, type: 'application/pdf' });
    expect(decodeURIComponent(file.disposition!.split("UTF-8''")[1]!)).toBe(`${plan.title}-${big.name}-慰问名册.pdf`);
    const pages = await pdfPages(file.body);
    expect(pages.length).toBeGreaterThan(1);
    pages.forEach((text, i) => {
      for (const heading of [`${plan.title}慰问名册`, `单位：${big.name}`, '阶段：慰问阶段', '序号', '姓名', '类别', '资金来源', '金额（元）', '慰问对象签字', '经手人签字']) expect({ page: i + 1, has: text.includes(heading) ? heading : text }).toEqual({ page: i + 1, has: heading });
      expect(text).toContain(`第 ${i + 1} 页　共 ${pages.length} 页`);
    });
    const all = pages.join('\n');
    for (const h of bigRoster) expect(all).toContain(h.name);
    expect(all).toContain('重點慰問對象');
    expect(all).toContain('市、區財政');
    expect(all).not.toContain(bigRoster[0]!.idNumber);
    const total = bigRoster.reduce((sum, h) => sum + h.amount, 0);
    expect(pages.at(-1)).toContain(`合计：40 户，金额 ${total.toLocaleString('zh-CN')} 元`);
    expect(pages.at(-1)).toContain('日期：');
    // Printed in the campaign's time zone, with the year: 2028年…日 hh:mm.
    expect(pages[0]).toMatch(/打印时间：\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}/);
  });

  test('given Accept-Language English, the roster should be headed in English and still list the households’ Chinese names', async () => {
    const pages = await pdfPages((await download(rosterPath(small.id), tokens.smallUnit, { 'accept-language': 'en-GB,en;q=0.9' })).body);
    expect(pages).toHaveLength(1);
    for (const text of ['Recipient’s signature', 'Handler’s signature', `Unit: ${small.name}`, 'Phase: visiting phase', 'Page 1 of 1', 'Total: 3 households, 2,100 yuan', ...smallRoster.map((h) => h.name)]) expect(pages[0]).toContain(text);
  });

  test('given the unit’s reviewer and the coordinator, they should print it too; another unit, another unit’s reviewer and another organization’s coordinator should not', async () => {
    expect((await download(rosterPath(big.id), tokens.bigReviewer)).status).toBe(200);
    expect((await download(rosterPath(big.id), tokens.coordinator)).status).toBe(200);
    expect((await download(rosterPath(big.id), tokens.smallUnit)).status).toBe(403);
    expect((await download(rosterPath(big.id), tokens.smallReviewer)).status).toBe(403);
    const foreign = await download(rosterPath(big.id), otherCoordinator);
    expect({ status: foreign.status, code: JSON.parse(foreign.body.toString()).error.code }).toEqual({ status: 404, code: 'campaign-not-found' });
  });

  test('given a unit with nothing approved, or a phase that has not started, printing should say so', async () => {
    const unapproved = await download(rosterPath(none.id), tokens.coordinator);
    expect({ status: unapproved.status, code: JSON.parse(unapproved.body.toString()).error.code }).toEqual({ status: 409, code: 'roster-not-approved' });
    const early = await download(rosterPath(big.id, 'summary'), tokens.coordinator);
    expect({ status: early.status, code: JSON.parse(early.body.toString()).error.code }).toEqual({ status: 404, code: 'phase-not-started' });
  });
});

describe('the upward report as files', () => {
  const json = async () => (await api.call('GET', `/campaigns/${campaignId}/report`, { token: tokens.coordinator })).body;

  test('given two approved rosters and 12 visits, the workbook’s sheets should hold the JSON report’s figures by funding source, category, unit and coverage, in yuan', async () => {
    const file = await download(`/campaigns/${campaignId}/report.xlsx`, tokens.coordinator);
    expect({ status: file.status, type: file.type }).toEqual({ status: 200, type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
    const report = await json();
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(file.body as unknown as ExcelJS.Buffer);
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['汇总', '资金来源及分级', '类别', '单位', '走访覆盖']);
    const rows = (sheet: string) => (workbook.getWorksheet(sheet)!.getSheetValues() as unknown[][]).filter(Boolean).map((r) => r.slice(1));
    const rowOf = (sheet: string, first: string) => rows(sheet).find((r) => r[0] === first)!;
    const t = report.totals;
    expect(t).toMatchObject({ households: 43, visited: 12 });
    expect(rows('汇总')[0]).toEqual([`${plan.title}汇总上报表`]);
    expect(rows('汇总')[1]![0]).toMatch(new RegExp(`^组织单位：${plan.organizer}　　生成时间：\\d{4}年`));
    expect(rows('汇总')[2]).toEqual(['预算（元）', '户数', '核定金额（元）', '已走访户数', '已发放金额（元）', '未发放金额（元）']);
    expect(rows('汇总')[3]).toEqual([t.budget, t.households, t.approved, t.visited, t.paid, t.undisbursed]);
    expect(rowOf('资金来源及分级', '合计')).toEqual(['合计', '全部', t.budget, t.households, t.approved, t.visited, t.paid, t.undisbursed]);
    for (const s of report.byFundingSource) expect(rowOf('资金来源及分级', s.name)).toEqual([s.name, '全部', s.budget, s.households, s.approved, s.visited, s.paid, s.undisbursed]);
    expect(rowOf('类别', '合计')).toEqual(['合计', t.households, t.approved, t.visited, t.paid]);
    for (const c of report.byCategory) expect(rowOf('类别', c.name)).toEqual([c.name, c.households, c.approved, c.visited, c.paid]);
    for (const u of report.byUnit) expect(rowOf('单位', u.name).slice(0, 6)).toEqual([u.name, u.unitId, u.households, u.approved, u.visited, u.paid]);
    // Half of 40 by the milestone, in the campaign's local time.
    const coverage = rows('走访覆盖');
    expect(coverage[2]).toEqual(['单位', '户数', '已走访户数', '走访覆盖率', expect.stringMatching(/^截至\d{4}年2月10日 24:00应走访50%（户）$/)]);
    expect(rowOf('走访覆盖', big.name)).toEqual([big.name, 40, 12, 0.3, 20]);
    expect(rowOf('走访覆盖', none.name)).toEqual([none.name, 0, 0, undefined, 0]);
  });

  test('given the same report as a PDF, it should print each table’s heading and figures, in English on request', async () => {
    const report = await json();
    const zh = (await pdfPages((await download(`/campaigns/${campaignId}/report.pdf`, tokens.bigReviewer)).body)).join('\n');
    for (const text of [`${plan.title}汇总上报表`, '资金来源及分级', '类别', '走访覆盖', '合计', big.name, small.name, report.totals.approved.toLocaleString('zh-CN'), ...report.byFundingSource.map((s: { name: string }) => s.name)]) expect(zh).toContain(text);
    const en = (await pdfPages((await download(`/campaigns/${campaignId}/report.pdf`, tokens.coordinator, { 'accept-language': 'en' })).body)).join('\n');
    for (const text of ['upward report', 'Funding sources and levels', 'Visits coverage', 'Undisbursed (yuan)', 'taking part']) expect(en).toContain(text);
  });

  test('given a unit or another organization’s coordinator, the report files should be refused', async () => {
    for (const path of ['report.xlsx', 'report.pdf']) {
      expect((await download(`/campaigns/${campaignId}/${path}`, tokens.bigUnit)).status).toBe(403);
      expect((await download(`/campaigns/${campaignId}/${path}`, otherCoordinator)).status).toBe(404);
    }
  });
});
