import { household, subDistrictSpringPlan } from './harness/plans';
import { testStore } from './harness/postgres';
import { uniqueId } from './harness/temporal';

// A data subject's request, or the end of the plan's retention: the household's personal fields go
// from every table of the record, nothing derived from its ID number stays, and the figures stay.

const store = testStore('each');
const at = () => new Date().toISOString();

/** Every row of every table, as PostgreSQL renders it (bytea as hex), in one text to search. */
async function everything(): Promise<string> {
  const { rows: tables } = await store.pool.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
  const dumps = await Promise.all(tables.map(async ({ tablename }) => (await store.pool.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM ${tablename} t`)).rows.map((r) => r.row).join('\n')));
  return dumps.join('\n');
}

async function approvedCampaign() {
  const plan = subDistrictSpringPlan({ id: uniqueId('erase'), webhook: () => 'http://127.0.0.1:9/', units: 1 });
  const { records } = store;
  await records.startCampaign(plan, { requestId: 'start', actor: 'civil-affairs-office' });
  await records.loadParticipants({ campaignId: plan.id, phase: 'preparation', offset: 0, limit: 10 });
  const target = { campaignId: plan.id, phase: 'preparation' as const, unitId: 'community-1' };
  const households = [household(1, { name: '李秀英', address: '東風路1號', illness: '尿毒症' }), household(2)];
  // A rejected roster first: the household stands in two rosters of the record.
  for (const [n, decision] of [[1, 'reject'], [2, 'approve']] as const) {
    await records.stageHouseholds({ campaignId: plan.id, unitId: 'community-1', uploadId: `u${n}`, actor: 'community-1', households });
    await records.recordSubmission({ ...target, requestId: `s${n}`, actor: 'community-1', receivedAt: at(), at: at(), kind: 'applicant-roster', report: '名冊', uploadId: `u${n}` });
    await records.recordReview({ ...target, requestId: `r${n}`, actor: 'civil-affairs-review', receivedAt: at(), at: at(), decision, reason: decision === 'reject' ? '缺簽字' : undefined, submissionNumber: n });
  }
  await records.recordVisits({ campaignId: plan.id, unitId: 'community-1', requestId: 'v1', actor: 'community-1', receivedAt: at(), at: at(), visits: [{ entry: 1, amount: 400, visitedOn: '2027-02-09', recipientSigned: true, handler: '王幹事' }] });
  return { plan, households };
}

const sealedCount = async (campaignId: string) =>
  (await store.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM roster_entries e JOIN roster_uploads u USING (upload_id) WHERE u.campaign_id = $1 AND (name_sealed IS NOT NULL OR id_number_sealed IS NOT NULL)', [campaignId])).rows[0]!.n;

test('given an approved and paid household, when it is erased, no field of it and nothing keyed from its ID number should remain in the database, and the report figures should not change', async () => {
  const { plan, households } = await approvedCampaign();
  const erased = households[0]!;
  const before = await store.views.reportLines(plan.id);
  const keysBefore = (await store.pool.query<{ household_key: Buffer }>('SELECT household_key FROM household_claims WHERE campaign_id = $1 AND entry = 1', [plan.id])).rows[0]!.household_key;
  // The masked name is on the notice until the household is erased.
  expect((await store.views.notice(plan.id, 'community-1'))[0]!.maskedName).toBe('李**');
  expect(await store.records.eraseHousehold({ campaignId: plan.id, unitId: 'community-1', entry: 1, requestId: 'erase-1', actor: 'civil-affairs-office', at: at(), reason: '本人申請刪除個人信息' })).toEqual({ ok: true });

  const dump = await everything();
  for (const value of [erased.name, erased.idNumber, erased.address!, erased.illness!, '李**', keysBefore.toString('hex')]) expect({ value, found: dump.includes(value) }).toEqual({ value, found: false });
  // The other household is untouched, and the sealed columns of both rosters that listed the erased one are empty.
  expect(await sealedCount(plan.id)).toBe(2);
  expect(await store.views.reportLines(plan.id)).toEqual(before);
  expect((await store.views.audit(plan.id)).find((r) => r.action === 'household-erased')).toMatchObject({ unitId: 'community-1', detail: 'entry 1: 本人申請刪除個人信息' });
  // Asked again, nothing more happens; an entry not on the roster is refused.
  expect(await store.records.eraseHousehold({ campaignId: plan.id, unitId: 'community-1', entry: 1, requestId: 'erase-2', actor: 'civil-affairs-office', at: at(), reason: '重複申請' })).toEqual({ ok: true });
  expect(await store.records.eraseHousehold({ campaignId: plan.id, unitId: 'community-1', entry: 9, requestId: 'erase-3', actor: 'civil-affairs-office', at: at(), reason: '—' })).toMatchObject({ ok: false, refusal: { type: 'NotOnRoster' } });
});

test('given a campaign past its retention, when its personal data is erased, every sealed field and the campaign key should be gone, and the figures should stay', async () => {
  const { plan } = await approvedCampaign();
  const before = await store.views.reportLines(plan.id);
  expect(await store.records.eraseCampaignPersonalData({ campaignId: plan.id, requestId: 'erase-all', actor: 'civil-affairs-office', at: at(), reason: '保存期限屆滿' })).toEqual({ households: 4 });
  expect(await sealedCount(plan.id)).toBe(0);
  const { rows } = await store.pool.query('SELECT data_key_wrapped, personal_data_erased_at FROM campaigns WHERE campaign_id = $1', [plan.id]);
  expect(rows[0]).toMatchObject({ data_key_wrapped: null, personal_data_erased_at: expect.any(Date) });
  expect(await store.views.reportLines(plan.id)).toEqual(before);
  const dump = await everything();
  for (const n of [1, 2]) expect(dump.includes(household(n).idNumber)).toBe(false);
});
