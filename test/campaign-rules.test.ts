import { RosterFailure, rosterProblems } from '../domain/roster';
import { UnitPhaseFailure } from '../workflows/unit/messages';
import { CampaignDriver, refusal } from './harness/campaign-driver';
import { subjects } from '../examples/example';
import { apiConfig, startApi } from './harness/api';
import { decodedHistory, recordHistories } from './harness/histories';
import { household, seasonYear, subDistrictSpringPlan } from './harness/plans';
import { createTestWorker, uniqueId } from './harness/temporal';
import { timeSkippingPerTest } from './harness/per-test';
import { claimsByUnit, heldBySource } from './harness/ledger';

// The roster rules of plan 1 (街道春節送溫暖) under time skipping: each unit's roster on its own
// (quota, standards, funding sources: the API checks them before staging, the workflow holds the
// quota), then across units in the record (one listing per household, budgets), and the reviewer
// striking single entries.

const HOUR = 3_600_000;
const year = seasonYear();

const t = timeSkippingPerTest();

/** Every payload in a workflow's history, decoded, as text. */
const historyText = async (workflowId: string) =>
  (await decodedHistory(t.env.client, workflowId)).payloads.map((p) => Buffer.from(p.data ?? []).toString('utf8')).join('\n');

const roster = (households: ReturnType<typeof household>[]) => ({ report: '慰問對象申報名冊', households });

async function openPreparation(units: number) {
  const plan = subDistrictSpringPlan({ id: uniqueId('spring'), webhook: (p) => t.receiver.url(p), year, units });
  const { worker, taskQueue, store } = await createTestWorker(t.env);
  return { plan, worker, store, start: async () => {
    const c = await CampaignDriver.start(t.env, taskQueue, plan, store);
    await c.until(Date.parse(c.phase('preparation').opensAt) + HOUR);
    return c;
  } };
}

describe('applicant rosters under plan 1 rules', () => {
  test('given plan 1 standards, quotas and sources, when a unit submits a roster breaking them, it should be refused naming each offending entry, and nothing recorded', async () => {
    const { plan, worker, store, start } = await openPreparation(1);
    const unit = plan.units[0]!;
    const rules = plan.rules!;
    // Standards and funding sources are the API's check before anything is staged (a 422 naming every entry).
    expect(rosterProblems(rules, unit, [household(1), household(2), household(3, { category: 'key', amount: 1_200 })])).toEqual([
      { type: RosterFailure.AmountOutsideStandard, entry: 3, message: 'entry 3 (key): 1,200 is outside the standard 600–1,000' },
    ]);
    expect(rosterProblems(rules, unit, [household(1, { fundingSource: 'red-cross' }), household(2, { category: 'veteran' }), household(1, { amount: 150 })])).toEqual([
      { type: RosterFailure.UnknownFundingSource, entry: 1, message: expect.stringContaining('funding source "red-cross" is not in the plan') },
      { type: RosterFailure.UnknownCategory, entry: 2, message: expect.stringContaining('category "veteran" is not in the plan') },
      { type: RosterFailure.AmountOutsideStandard, entry: 3, message: 'entry 3 (general): 150 is outside the standard 200–600' },
      { type: RosterFailure.DuplicateInRoster, entry: 3, message: 'entry 3 lists the same household (ID number) as entry 1' },
    ]);
    // An open-ended standard (雷鋒慈善會: 1,000 and more) takes 1,125.
    const leifeng = household(1, { category: 'leifeng', amount: 1_125, fundingSource: 'leifeng-charity' });
    expect(rosterProblems(rules, unit, [leifeng])).toEqual([]);

    await worker.runUntil(async () => {
      const c = await start();
      // The workflow holds the quota and asks for a roster, whatever reached it.
      const overQuota = await refusal(c.submitContent('preparation', unit.id, roster(Array.from({ length: 151 }, (_, i) => household(i + 1)))));
      expect(overQuota).toMatchObject({ type: RosterFailure.QuotaExceeded, message: `the roster lists 151 households; unit ${unit.id}'s quota (名額) is 150` });
      expect((await refusal(c.submitContent('preparation', unit.id, { report: '名冊見附件' }))).type).toBe(RosterFailure.RosterRequired);
      expect((await c.record('preparation', unit.id)).submissions).toEqual([]);
      expect(await claimsByUnit(store.pool, plan.id)).toEqual({});

      const accepted = await c.submitContent('preparation', unit.id, roster([leifeng]));
      expect(accepted).toMatchObject({ submissionNumber: 1, status: 'submitted' });
      expect((await c.record('preparation', unit.id)).submissions).toEqual([expect.objectContaining({ number: 1, households: 1 })]);
      expect(await heldBySource(store.pool, plan.id)).toEqual({ 'leifeng-charity': 1_125 });
    });
  });

  test('given two communities, when the second lists a household the first holds or goes over a budget, it should be refused naming the first; rejecting or striking releases them', async () => {
    const { plan, worker, store, start } = await openPreparation(2);
    const [u1, u2] = plan.units.map((u) => u.id) as [string, string];
    await worker.runUntil(async () => {
      const c = await start();
      // u1 lists three households, one of them on the disabled persons' federation's 10,000 budget.
      await c.submitContent('preparation', u1, roster([household(1), household(2, { category: 'key', amount: 1_000 }), household(3, { fundingSource: 'disabled-federation', amount: 600 })]));

      const duplicate = await refusal(c.submitContent('preparation', u2, roster([household(7), household(2, { amount: 300 }), household(8)])));
      expect(duplicate.type).toBe(RosterFailure.DuplicateHousehold);
      expect(duplicate.message).toBe(`entry 2: this household is already listed by unit ${u1} (避免重複慰問)`);
      expect((await c.record('preparation', u2)).submissions).toEqual([]);

      // The federation's budget is 10,000: u1 holds 600, so 17 × 560 = 9,520 does not fit.
      const federation = Array.from({ length: 17 }, (_, i) => household(100 + i, { fundingSource: 'disabled-federation', amount: 560 }));
      const over = await refusal(c.submitContent('preparation', u2, roster(federation)));
      expect(over).toMatchObject({ type: RosterFailure.BudgetExceeded, message: 'funding source disabled-federation: 9,520 on this roster and 600 on other units\' would exceed its budget 10,000' });

      // The reviewer strikes u1's federation entry (不符條件的予以刪減): its 600 is released, so u2's 9,520 fits.
      expect((await refusal(c.strike('preparation', u1, [{ entry: 3, reason: '' }]))).type).toBe(UnitPhaseFailure.ReasonRequired);
      expect((await refusal(c.strike('preparation', u1, [{ entry: 9, reason: '查無此戶' }]))).type).toBe(UnitPhaseFailure.InvalidStrike);
      const struck = await c.strike('preparation', u1, [{ entry: 3, reason: '經入戶核實,家庭收入超過低保標準' }]);
      expect(struck).toMatchObject({ submissionNumber: 1, entries: [{ entry: 3, reason: '經入戶核實,家庭收入超過低保標準' }] });
      expect((await refusal(c.strike('preparation', u1, [{ entry: 3, reason: '重複' }]))).message).toBe('entry 3 is not on the roster (or is already struck)');
      await t.receiver.waitFor(() => t.receiver.notifications({ kind: 'entries-struck', unitId: u1 }).length === 1);
      await c.submitContent('preparation', u2, roster(federation));

      // u1's roster is rejected: household 2 is released, and u2 (rejected too, to resubmit) may now list it.
      await c.review('preparation', u1, 'reject', '名冊缺少經辦人簽字');
      await c.review('preparation', u2, 'reject', '補充第2戶');
      const resubmitted = await c.submitContent('preparation', u2, roster([...federation, household(2, { amount: 300 })]));
      expect(resubmitted).toMatchObject({ submissionNumber: 2, status: 'submitted' });
      // ... and u1, resubmitting household 2, is now the one refused.
      const back = await refusal(c.submitContent('preparation', u1, roster([household(1), household(2, { category: 'key', amount: 1_000 })])));
      expect(back.message).toBe(`entry 2: this household is already listed by unit ${u2} (避免重複慰問)`);

      expect(await heldBySource(store.pool, plan.id)).toEqual({ 'disabled-federation': 9_520, 'sub-district': 300 });
      expect(await claimsByUnit(store.pool, plan.id)).toEqual({ [u2]: 18 });

      // Households never travel through Temporal: the record has them sealed, no unit's history names one.
      for (const unitId of [u1, u2]) {
        const text = await historyText(c.unit('preparation', unitId).workflowId);
        for (const n of [1, 2, 3, 7, 100]) expect(text).not.toMatch(new RegExp(`${household(n).idNumber}|${household(n).name}`));
      }

      await recordHistories(t.env.client, 'rules', [c.unit('preparation', u1).workflowId]);
    });
  });

  test('given plan 1 through the HTTP API, when a roster has a malformed field, breaks a standard, repeats another unit’s household or a reviewer strikes, each should answer its status with the field or entries named', async () => {
    const { plan, worker, store, start } = await openPreparation(2);
    const [u1, u2] = plan.units.map((u) => u.id) as [string, string];
    const tokens = new Map(subjects(plan).map((subject, i) => [subject, `rules-test-token-${String(i).padStart(4, '0')}`]));
    const token = (subject: string) => tokens.get(subject)!;
    const api = await startApi(
      apiConfig({ address: t.env.address, taskQueue: worker.options.taskQueue, databaseUrl: store.url, apiTokens: [...tokens].map(([s, k]) => `${k}=${s}`).join(',') }),
      t.env.client,
      store.pool,
    );
    const submit = (unitId: string, households: unknown[]) =>
      api.call('POST', `/campaigns/${plan.id}/phases/preparation/units/${unitId}/submissions`, { token: token(`unit:${unitId}`), body: { kind: 'applicant-roster', report: '申報名冊', households } });
    try {
      await worker.runUntil(async () => {
        await start();
        const malformed = await submit(u1, [household(1), { ...household(2), idNumber: '12345' }]);
        expect(malformed.status).toBe(400);
        expect(malformed.body.error.issues).toEqual([{ path: ['households', 1, 'idNumber'], message: 'an 18-character resident ID number (17 digits, then a digit or X)' }]);

        const outside = await submit(u1, [household(1, { category: 'special', amount: 900 })]);
        expect(outside.status).toBe(422);
        expect(outside.body.error).toMatchObject({ code: 'AmountOutsideStandard', message: 'entry 1 (special): 900 is outside the standard 400–800', details: { problems: [{ entry: 1 }] } });
        const several = await submit(u1, [household(1, { fundingSource: 'red-cross' }), household(2, { category: 'veteran' }), household(1, { amount: 150 })]);
        expect(several).toMatchObject({ status: 422, body: { error: { code: RosterFailure.UnknownFundingSource } } });
        expect(several.body.error.details.problems.map((p: { type: string; entry: number }) => [p.type, p.entry])).toEqual([
          [RosterFailure.UnknownFundingSource, 1],
          [RosterFailure.UnknownCategory, 2],
          [RosterFailure.AmountOutsideStandard, 3],
          [RosterFailure.DuplicateInRoster, 3],
        ]);
        // Refused before anything is staged: the record holds no household of these rosters.
        expect((await store.pool.query('SELECT 1 FROM roster_uploads WHERE campaign_id = $1', [plan.id])).rowCount).toBe(0);

        expect((await submit(u1, [household(1), household(2)])).status).toBe(201);
        const duplicate = await submit(u2, [household(2)]);
        expect(duplicate.status).toBe(409);
        expect(duplicate.body.error).toMatchObject({ code: 'DuplicateHousehold', details: { duplicates: [{ entry: 1, listedBy: u1 }] } });
        // Refusals name entries and units, never the household.
        expect(JSON.stringify(duplicate.body)).not.toContain(household(2).idNumber);

        const strikes = `/campaigns/${plan.id}/phases/preparation/units/${u1}/strikes`;
        const body = { entries: [{ entry: 2, reason: '經入戶核實不符條件' }] };
        expect((await api.call('POST', strikes, { token: token(`reviewer:${plan.units[1]!.supervisor}`), body })).status).toBe(403);
        expect(await api.call('POST', strikes, { token: token(`reviewer:${plan.units[0]!.supervisor}`), body })).toMatchObject({ status: 201, body: { submissionNumber: 1, entries: body.entries } });
        expect((await submit(u2, [household(2)])).status).toBe(201);
      });
    } finally {
      await api.close();
    }
  });
});
