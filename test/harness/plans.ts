import type { CampaignPlanInput } from '../../domain/plan';
import { campaignPlanSchema, type CampaignPlan } from '../../domain/plan';

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
