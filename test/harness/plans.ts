import type { CampaignPlanInput } from '../../domain/plan';
import { campaignPlanSchema, type CampaignPlan } from '../../domain/plan';
import type { Household } from '../../domain/roster';

// Plans shaped on plan 5 of the seed (縣總工會 元旦春節送溫暖): rosters due 12/30 or forfeited
// (視為自動放棄), summaries due 2/20. Dates fall in the coming season so the test servers, whose
// clocks start at today's date, see them in the future.

export function seasonYear(now = Date.now()): number {
  const year = new Date(now).getUTCFullYear();
  return now < Date.UTC(year, 10, 25) ? year : year + 1; // campaigns open from 1 December
}

/** `at(y, 12, 30, 17)` → 17:00 Beijing time on 30 December of year y, as ISO-8601 with offset. */
export function at(year: number, month: number, day: number, hour = 9): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const y = month < 12 ? year + 1 : year; // January and February belong to the next calendar year
  return `${y}-${pad(month)}-${pad(day)}T${pad(hour)}:00:00+08:00`;
}

export interface PlanOptions {
  id: string;
  webhook: (path: string) => string;
  year?: number;
  units?: number;
}

export function unionWinterPlan({ id, webhook, year = seasonYear(), units = 3 }: PlanOptions): CampaignPlan {
  const names = ['城關鎮總工會', '縣紡織廠工會', '縣人民醫院工會', '城南街道工會', '縣第一中學工會'];
  const input: CampaignPlanInput = {
    id,
    title: `縣總工會${year + 1}年元旦春節送溫暖活動`,
    organizer: '縣總工會',
    coordinator: { id: 'union-office', name: '縣總工會辦公室', notify: { webhook: webhook('coordinator/union-office') } },
    reviewers: [
      { id: 'rights-dept', name: '權益保障部', notify: { webhook: webhook('reviewer/rights-dept') } },
      { id: 'audit-office', name: '紀檢辦', notify: { webhook: webhook('reviewer/audit-office') } },
    ],
    units: Array.from({ length: units }, (_, i) => ({
      id: `union-${i + 1}`,
      name: names[i % names.length]!,
      supervisor: i % 2 === 0 ? 'rights-dept' : 'audit-office',
      quota: 20 + i,
      notify: { webhook: webhook(`unit/union-${i + 1}`) },
    })),
    phases: [
      {
        name: 'preparation', opensAt: at(year, 12, 1), cutoff: at(year, 12, 30, 17), reminders: ['P3D', 'P1D'], reviewWithin: 'P2D',
        submission: { kind: 'applicant-roster', description: '困難職工和勞模慰問對象花名冊' }, advance: 'sign-off', signOffReminderEvery: 'P1D',
      },
      {
        name: 'publicity', opensAt: at(year, 1, 4), cutoff: at(year, 1, 11, 17), reminders: ['P1D'], reviewWithin: 'P1D',
        submission: { kind: 'publicity-report', description: '公示情況說明' }, advance: 'automatic',
      },
      {
        name: 'visiting', opensAt: at(year, 1, 18), cutoff: at(year, 2, 5, 17), reminders: ['P2D'], reviewWithin: 'P2D',
        submission: { kind: 'signed-roster', description: '簽字名冊(受助人和經辦人簽字、加蓋公章)' }, advance: 'automatic',
      },
      {
        name: 'summary', opensAt: at(year, 2, 6), cutoff: at(year, 2, 20, 17), reminders: ['P3D'], reviewWithin: 'P3D',
        submission: { kind: 'summary-report', description: '活動總結' }, advance: 'sign-off', signOffReminderEvery: 'P2D',
      },
    ],
  };
  return campaignPlanSchema.parse(input);
}

/** Plan 1 of the seed (街道春節送溫暖): six funding sources, 293,200 in all, three categories with their standards. */
export const PLAN1_FUNDING_SOURCES = [
  { id: 'city-district-finance', name: '市、區財政', budget: 65_000 },
  { id: 'civil-affairs-relief', name: '區民政局救災救濟資金', budget: 62_800 },
  { id: 'leifeng-charity', name: '雷鋒慈善會', budget: 27_000 },
  { id: 'organization-dept', name: '區委組織部離退村幹部及黨員慰問資金', budget: 27_600 },
  { id: 'disabled-federation', name: '區殘聯', budget: 10_000 },
  { id: 'sub-district', name: '街道慰問金', budget: 100_800 },
];

export function subDistrictSpringPlan({ id, webhook, year = seasonYear(), units = 3 }: PlanOptions): CampaignPlan {
  const communities = ['東風村', '紅旗社區', '新華村', '光明社區', '建設村', '和平社區'];
  const input: CampaignPlanInput = {
    id,
    title: `街道${year + 1}年春節走訪慰問活動`,
    organizer: '街道辦事處',
    coordinator: { id: 'civil-affairs-office', name: '街道民政辦', notify: { webhook: webhook('coordinator/civil-affairs-office') } },
    reviewers: [
      { id: 'civil-affairs-review', name: '民政辦審核', notify: { webhook: webhook('reviewer/civil-affairs-review') } },
      { id: 'discipline-office', name: '紀檢辦', notify: { webhook: webhook('reviewer/discipline-office') } },
    ],
    units: Array.from({ length: units }, (_, i) => ({
      id: `community-${i + 1}`,
      name: communities[i % communities.length]!,
      supervisor: i % 2 === 0 ? 'civil-affairs-review' : 'discipline-office',
      quota: 150,
      notify: { webhook: webhook(`unit/community-${i + 1}`) },
    })),
    rules: {
      standards: [
        { category: 'general', name: '一般慰問對象', min: 200, max: 600 },
        { category: 'special', name: '特定慰問對象', min: 400, max: 800 },
        { category: 'key', name: '重點慰問對象', min: 600, max: 1_000 },
        { category: 'leifeng', name: '雷鋒慈善會慰問對象', min: 1_000 },
      ],
      fundingSources: PLAN1_FUNDING_SOURCES,
    },
    phases: [
      {
        name: 'preparation', opensAt: at(year, 12, 1), cutoff: at(year, 12, 31, 17), reminders: ['P3D'], reviewWithin: 'P3D',
        submission: { kind: 'applicant-roster', description: '慰問對象申報名冊' }, advance: 'sign-off',
      },
      {
        name: 'publicity', opensAt: at(year, 1, 4), cutoff: at(year, 1, 20, 17), reviewWithin: 'P2D',
        submission: { kind: 'publicity-report', description: '張榜公示情況' },
      },
      {
        name: 'visiting', opensAt: at(year, 2, 1), cutoff: at(year, 2, 13, 17), reviewWithin: 'P2D',
        submission: { kind: 'signed-roster', description: '已簽字名冊(慰問對象、經手人簽字並加蓋公章)' },
      },
      {
        name: 'summary', opensAt: at(year, 2, 14), cutoff: at(year, 2, 28, 17), reviewWithin: 'P3D',
        submission: { kind: 'summary-report', description: '走訪慰問活動總結' }, advance: 'sign-off',
      },
    ],
  };
  return campaignPlanSchema.parse(input);
}

/** A synthetic household (made-up name and ID number: tests carry no real personal data). */
export function household(n: number, fields: Partial<Household> = {}): Household {
  return {
    name: `戶主${n}`,
    idNumber: `3201021950${String(n).padStart(7, '0')}X`,
    address: `東風路${n}號`,
    category: 'general',
    amount: 400,
    goods: '米1袋、油1桶',
    fundingSource: 'sub-district',
    reason: '低保戶,春節慰問',
    ...fields,
  };
}

/** Plan 6 of the seed (縣衛健局 秋冬季「健康進萬家」): unit plans by 10/20, household visits 30% by 10/31 and all by 11/30, summaries by 12/5. */
export function healthOutreachPlan({ id, webhook, year = seasonYear(), units = 2 }: PlanOptions): CampaignPlan {
  const centres = ['城關鎮衛生院', '北關鎮衛生院', '縣社區衛生服務中心'];
  // October to December of one calendar year (at() puts December before the new year).
  const day = (month: number, d: number, hour?: number) => at(month === 12 ? year + 1 : year, month, d, hour);
  const input: CampaignPlanInput = {
    id,
    title: `縣衛生健康系統${year + 1}年秋冬季「健康進萬家」活動`,
    organizer: '縣衛生健康局',
    coordinator: { id: 'county-health-bureau', name: '縣衛生健康局', notify: { webhook: webhook('coordinator/county-health-bureau') } },
    reviewers: [{ id: 'medical-affairs', name: '醫政股', notify: { webhook: webhook('reviewer/medical-affairs') } }],
    units: Array.from({ length: units }, (_, i) => ({
      id: `health-centre-${i + 1}`,
      name: centres[i % centres.length]!,
      supervisor: 'medical-affairs',
      quota: 50,
      notify: { webhook: webhook(`unit/health-centre-${i + 1}`) },
    })),
    // Visits bring care and a health kit, not cash: every standard is 0 yuan.
    rules: {
      standards: [
        { category: 'bedridden', name: '臥病在家不方便就醫患病群眾', min: 0, max: 0 },
        { category: 'contracted', name: '家庭醫生簽約服務人群', min: 0, max: 0 },
      ],
      fundingSources: [{ id: 'county-health', name: '縣衛生健康局', budget: 0 }],
    },
    phases: [
      {
        name: 'preparation', opensAt: day(10, 18), cutoff: day(10, 20, 17), reviewWithin: 'P1D',
        submission: { kind: 'applicant-roster', description: '活動計劃、聯繫人及入戶走訪名冊' },
      },
      {
        name: 'publicity', opensAt: day(10, 21), cutoff: day(10, 22, 17), reviewWithin: 'P1D',
        submission: { kind: 'publicity-report', description: '宣傳報道情況' },
      },
      {
        name: 'visiting', opensAt: day(10, 23), cutoff: day(11, 30, 17), reviewWithin: 'P2D',
        submission: { kind: 'signed-roster', description: '入戶走訪記錄' },
        milestones: [{ at: day(10, 31, 17), coverage: 0.3 }, { at: day(11, 30, 17), coverage: 1 }],
      },
      {
        name: 'summary', opensAt: day(12, 1), cutoff: day(12, 5, 17), reviewWithin: 'P3D',
        submission: { kind: 'summary-report', description: '活動總結' },
      },
    ],
  };
  return campaignPlanSchema.parse(input);
}
