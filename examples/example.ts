import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { campaignPlanSchema, type CampaignPlan, type CampaignPlanInput, type PhaseName } from '../domain/plan';
import type { UpwardReport } from '../domain/report';
import type { Household } from '../domain/roster';
import { MAX_VISITS_PER_BATCH } from '../domain/visits';

// The examples transcribed from the seed's plans, and one way to run any of them through the HTTP
// API from start to upward report: by the test suite under time skipping, and by examples/run.ts
// against `npm start` in real time. Households are made up from each plan's allocation table
// (分配表): synthetic names and ID numbers, the plan's categories, amounts and funding sources.

export const EXAMPLES = ['plan-1-sub-district-spring', 'plan-2-town-charity', 'plan-6-health-outreach'] as const;
export type ExampleName = (typeof EXAMPLES)[number];

/** One line of the allocation table: so many households of a unit, in one category, on one source, at one amount. */
export interface Allocation {
  unit: string;
  fundingSource: string;
  category: string;
  households: number;
  amount: number;
  goods?: string;
  reason: string;
}

export interface Example {
  name: ExampleName;
  description: string;
  /** The plan's own figures, which the upward report must reproduce. */
  figures: { households: number; budget: number; paid: number };
  plan: CampaignPlan;
  allocation: Allocation[];
}

export function loadExample(name: ExampleName): Example {
  const file = JSON.parse(readFileSync(join(__dirname, `${name}.json`), 'utf8')) as Omit<Example, 'name' | 'plan'> & { plan: CampaignPlanInput };
  return { ...file, name, plan: campaignPlanSchema.parse(file.plan) };
}

/** Each unit's applicant roster, expanded from the allocation table with made-up households. */
export function rosters(example: Example): Record<string, Household[]> {
  const byUnit: Record<string, Household[]> = {};
  let n = 0;
  for (const line of example.allocation) {
    for (let i = 0; i < line.households; i++) {
      n++;
      (byUnit[line.unit] ??= []).push({
        name: `示例戶${n}`,
        idNumber: `11010119${String(n).padStart(9, '0')}X`,
        category: line.category,
        amount: line.amount,
        ...(line.goods ? { goods: line.goods } : {}),
        fundingSource: line.fundingSource,
        reason: line.reason,
      });
    }
  }
  return byUnit;
}

/** The plan with every instant moved by `ms` (phases, cutoffs, milestones) and a new id. */
export function shiftPlan(plan: CampaignPlan, ms: number, id = plan.id): CampaignPlan {
  const move = (instant: string) => new Date(Date.parse(instant) + ms).toISOString();
  return {
    ...plan,
    id,
    phases: plan.phases.map((p) => ({ ...p, opensAt: move(p.opensAt), cutoff: move(p.cutoff), milestones: p.milestones?.map((m) => ({ ...m, at: move(m.at) })) })),
  };
}

/** Who acts in a plan, as the API's role:subject grants. */
export const subjects = (plan: CampaignPlan): string[] => [
  `coordinator:${plan.coordinator.id}`,
  ...plan.reviewers.map((r) => `reviewer:${r.id}`),
  ...plan.units.map((u) => `unit:${u.id}`),
];

export interface ExampleApi {
  // The examples read whatever the API answers.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  call(method: 'GET' | 'POST', path: string, options: { token: string; body?: unknown }): Promise<{ status: number; body: any }>;
}

export interface RunOptions {
  api: ExampleApi;
  /** The bearer token of a role:subject. */
  tokenOf: (subject: string) => string;
  /** Returns once the campaign's clock has reached the instant (time skipping, or real waiting). */
  until: (instant: number) => Promise<void>;
  /** A short pause while the system catches up (real time in both cases). */
  pause?: () => Promise<void>;
  log?: (line: string) => void;
  /** How many units record their visits at once. */
  concurrency?: number;
}

const HOUR = 3_600_000;

/**
 * Runs the example's campaign through the API: each unit submits its roster, its publicity report,
 * records a visit for every household of its approved roster at the approved amount (in batches of
 * up to MAX_VISITS_PER_BATCH, one request each), hands in its signed roster and its summary; the
 * supervisor approves each, the coordinator signs off where the plan says so. Returns the upward
 * report as JSON and CSV.
 */
export async function runExample(example: Example, plan: CampaignPlan, options: RunOptions): Promise<{ report: UpwardReport; csv: string }> {
  const { api, tokenOf, until, log = () => {} } = options;
  const pause = options.pause ?? (() => new Promise((r) => setTimeout(r, 200)));
  const coordinator = tokenOf(`coordinator:${plan.coordinator.id}`);
  const base = `/campaigns/${plan.id}`;
  const byUnit = rosters(example);
  const figures = new Map<string, Record<string, number>>();

  const expect = async (status: number, call: ReturnType<ExampleApi['call']>, what: string) => {
    const response = await call;
    if (response.status !== status) throw new Error(`${what}: expected ${status}, got ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };
  /** Retries while the phase's unit workflows are still being started. */
  const whenStarted = async <T>(attempt: () => Promise<{ status: number; body: T }>) => {
    for (let i = 0; ; i++) {
      const response = await attempt();
      const code = (response.body as { error?: { code?: string } })?.error?.code;
      if (!(code === 'phase-not-started' || code === 'PhaseNotOpenYet' || code === 'NoApprovedRoster') || i > 100) return response;
      await pause();
    }
  };
  const campaign = () => expect(200, api.call('GET', base, { token: coordinator }), 'read campaign');
  const waitFor = async (what: string, predicate: (state: { status: string; currentPhase?: PhaseName }) => boolean) => {
    for (let i = 0; i < 300; i++) {
      if (predicate(await campaign())) return;
      await pause();
    }
    throw new Error(`campaign never reached: ${what}`);
  };
  /** Runs fn for each item, `concurrency` at a time. */
  const inLanes = async <T>(items: T[], fn: (item: T) => Promise<void>) => {
    const queue = [...items];
    const lane = async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
    };
    await Promise.all(Array.from({ length: options.concurrency ?? 4 }, lane));
  };

  await expect(202, api.call('POST', '/campaigns', { token: coordinator, body: plan }), 'start the campaign');
  log(`started ${plan.id}: ${plan.title}`);

  for (const phase of plan.phases) {
    await until(Date.parse(phase.opensAt) + 1_000);
    await waitFor(`${phase.name} running`, (s) => s.currentPhase === phase.name);
    // Every unit takes part but those out of the campaign for a forfeited phase.
    const excluded = new Set(((await campaign()).excluded as { unitId: string }[]).map((e) => e.unitId));
    const participants = plan.units.map((u) => u.id).filter((id) => !excluded.has(id));
    if (phase.name === 'visiting') await inLanes(participants, visitAll);
    for (const unitId of participants) {
      const unit = tokenOf(`unit:${unitId}`);
      const supervisor = tokenOf(`reviewer:${plan.units.find((u) => u.id === unitId)!.supervisor}`);
      const path = `${base}/phases/${phase.name}/units/${unitId}`;
      const content: Record<string, unknown> = { kind: phase.submission.kind, report: `${unitId}: ${phase.submission.description}` };
      if (phase.name === 'preparation') content.households = byUnit[unitId] ?? [];
      if (phase.name === 'visiting' || phase.name === 'summary') content.figures = figures.get(unitId);
      await expect(201, whenStarted(() => api.call('POST', `${path}/submissions`, { token: unit, body: content })), `${unitId} submits its ${phase.submission.kind}`);
      await expect(201, api.call('POST', `${path}/reviews`, { token: supervisor, body: { decision: 'approve' } }), `${unitId}'s ${phase.name} approved`);
    }
    log(`${phase.name}: ${participants.length} units approved`);
    if (phase.advance === 'sign-off') {
      await waitFor(`${phase.name} awaiting sign-off`, (s) => s.status === 'awaiting-sign-off');
      await expect(200, api.call('POST', `${base}/phases/${phase.name}/sign-off`, { token: coordinator, body: { note: '同意' } }), `${phase.name} signed off`);
      log(`${phase.name}: signed off`);
    }
  }
  await waitFor('completed', (s) => s.status === 'completed');

  /** Pays every household of the unit's approved roster (its standing notice, 公示) its approved amount, and keeps its totals for its reports. */
  async function visitAll(unitId: string): Promise<void> {
    const token = tokenOf(`unit:${unitId}`);
    const link = await expect(200, api.call('GET', `${base}/units/${unitId}/notice-link`, { token }), `${unitId} reads its notice link`);
    const notice = await expect(200, api.call('GET', `/notices/${link.noticeToken}`, { token }), `${unitId} reads its approved roster`);
    const roster: { entry: number; amount: number; goods?: string }[] = notice.entries;
    const day = new Date(Date.parse(plan.phases[2]!.opensAt) + 8 * HOUR).toISOString().slice(0, 10);
    const visits = roster.map((e) => ({ entry: e.entry, amount: e.amount, ...(e.goods ? { goods: e.goods } : {}), visitedOn: day, recipientSigned: true, handler: `${unitId} 經辦人` }));
    for (let first = 0; first < visits.length; first += MAX_VISITS_PER_BATCH) {
      const batch = visits.slice(first, first + MAX_VISITS_PER_BATCH);
      const body = { visits: batch };
      await expect(201, whenStarted(() => api.call('POST', `${base}/phases/visiting/units/${unitId}/visit-batches`, { token, body })), `${unitId} visits entries ${batch[0]!.entry}–${batch.at(-1)!.entry}`);
    }
    figures.set(unitId, { households: roster.length, paid: roster.reduce((sum, e) => sum + e.amount, 0) });
  }

  const report = (await expect(200, api.call('GET', `${base}/report`, { token: coordinator }), 'the upward report')) as UpwardReport;
  const csv = (await expect(200, api.call('GET', `${base}/report.csv`, { token: coordinator }), 'the upward report as CSV')) as string;
  return { report, csv };
}
