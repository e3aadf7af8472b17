import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { visibleCampaignIds } from '../api/access';
import { allRoutes } from '../api/app';
import { FailureLimiter } from '../api/authentication';
import { lazyTemporalClient } from '../api/temporal-client';
import { loadConfig, type Config } from '../config';
import { openDatabase } from '../db/pool';
import { startPostgres, type PostgresServer } from '../db/postgres-server';
import { People, type Principal } from '../store/people';
import { startApi, type ApiResponse, type RunningApi } from './harness/api';
import { household, unionWinterPlan } from './harness/plans';
import { createRecords } from '../store/records';
import { TEST_PAYLOAD_KEYS_ENV, WEBHOOK_SECRET } from './harness/temporal';
import { freePort } from './harness/ports';

// Who may do what, against a real PostgreSQL. Two organizations each run a campaign with units
// community-1 and community-2 (supervised by rights-dept and audit-office). People, memberships
// and tokens are made through the administrators' API; the campaign rows are seeded with SQL, as
// the API's start would write them. Temporal is deliberately away (a closed port, a 100 ms
// deadline): a request the access check lets through reaches its handler and answers 503, or 200
// where the handler does not need Temporal; one it refuses never gets that far.

const ORGS = {
  union: { id: 'xx-county-union', name: '某某县总工会', campaign: 'union-winter-2027', adminToken: 'admin-token-union-0123456789' },
  health: { id: 'xx-county-health', name: '某某县卫生健康局', campaign: 'health-visits-2027', adminToken: 'admin-token-health-0123456789' },
} as const;
type OrgName = keyof typeof ORGS;
const DEMO = { campaign: 'demo-winter', unitToken: 'demo-unit-community-1-token', coordinatorToken: 'demo-coordinator-token-0001' };
/** An administrator bootstrapped for an organization not saved yet. */
const NEW_ORG = { id: 'xx-county-charity', adminToken: 'admin-token-charity-0123456789' };

const CALLERS = ['coordinator', 'reviewer-1', 'reviewer-2', 'unit-1', 'unit-2', 'admin'] as const;
type Caller = (typeof CALLERS)[number];

let tmp: string;
let postgres: PostgresServer;
let pool: Pool;
let config: Config;
let api: RunningApi;
const tokens = {} as Record<OrgName, Record<Caller, string>>;
const personIds = {} as Record<OrgName, Record<Caller | 'spare', string>>;

/** A campaign in the record as the API's start writes it (its workflow never starts: Temporal is away). */
async function seedCampaign(campaignId: string, organizationId: string | null): Promise<void> {
  const base = unionWinterPlan({ id: campaignId, webhook: () => 'http://127.0.0.1:9/', units: 2 });
  // community-1 supervised by rights-dept, community-2 by audit-office, as the union plan's first two units are.
  const plan = { ...base, units: base.units.map((u, i) => ({ ...u, id: `community-${i + 1}` })) };
  const records = createRecords({ pool, masterKeys: config.payloadKeys, householdKeySecret: config.householdKeySecret });
  await records.startCampaign(plan, { requestId: `seed:${campaignId}`, actor: 'seed', organizationId });
}

const expectOk = (response: ApiResponse, status: number) => {
  expect({ status: response.status, body: response.body }).toMatchObject({ status });
  return response.body;
};

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'access-'));
  chmodSync(tmp, 0o755); // the server runs as postgres when we are root
  postgres = await startPostgres({ dataDir: join(tmp, 'pg'), port: await freePort(), database: 'access', durable: false });
  pool = await openDatabase({ url: postgres.url, max: 4 });
  config = loadConfig({
    TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
    API_TEMPORAL_TIMEOUT_MS: '100',
    WEBHOOK_SIGNING_SECRET: WEBHOOK_SECRET,
    PAYLOAD_KEYS: TEST_PAYLOAD_KEYS_ENV,
    DATABASE_URL: postgres.url,
    HOUSEHOLD_KEY_SECRET: 'household-key-secret-for-tests-0123456789',
    API_TOKENS: [
      `${ORGS.union.adminToken}=admin:${ORGS.union.id}`,
      `${ORGS.health.adminToken}=admin:${ORGS.health.id}`,
      `${DEMO.unitToken}=unit:community-1`,
      `${DEMO.coordinatorToken}=coordinator:demo-office`,
      `${NEW_ORG.adminToken}=admin:${NEW_ORG.id}`,
    ].join(','),
  });
  api = await startApi(config, lazyTemporalClient(config).client);

  await seedCampaign(DEMO.campaign, null);
  for (const org of Object.keys(ORGS) as OrgName[]) {
    const { id, name, campaign, adminToken } = ORGS[org];
    const admin = (method: string, path: string, body?: unknown) => api.call(method, path, { token: adminToken, body });
    expectOk(await admin('POST', '/organization', { name }), 200);
    await seedCampaign(campaign, id);
    const person = async (who: Caller | 'spare', roles: string[] = []) => (expectOk(await admin('POST', '/organization/people', { displayName: `东湖社区 ${who}`, roles }), 201) as { personId: string }).personId;
    personIds[org] = {
      coordinator: await person('coordinator', ['coordinator']),
      'reviewer-1': await person('reviewer-1'),
      'reviewer-2': await person('reviewer-2'),
      'unit-1': await person('unit-1'),
      'unit-2': await person('unit-2'),
      admin: await person('admin', ['administrator']),
      spare: await person('spare'),
    };
    const grants: [Caller | 'spare', string, string][] = [
      ['reviewer-1', 'reviewer', 'rights-dept'],
      ['reviewer-2', 'reviewer', 'audit-office'],
      ['unit-1', 'unit', 'community-1'],
      ['unit-2', 'unit', 'community-2'],
      ['spare', 'unit', 'community-2'],
    ];
    for (const [who, role, subject] of grants) expectOk(await admin('POST', `/campaigns/${campaign}/members`, { personId: personIds[org][who], role, subject }), 201);
    tokens[org] = {} as Record<Caller, string>;
    for (const who of CALLERS) {
      const issued = expectOk(await admin('POST', `/organization/people/${personIds[org][who]}/tokens`, { name: `${who} 的令牌`, expiresAt: new Date(Date.now() + 86_400_000).toISOString() }), 201);
      tokens[org][who] = issued.token;
    }
  }
}, 60_000);

afterAll(async () => {
  await api?.close();
  await pool?.end();
  await postgres?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** One request per action on a campaign; unit actions are on community-1 (supervised by rights-dept). */
const campaignProbes: Record<string, (campaignId: string) => [method: string, path: string, body?: unknown]> = {
  readCampaign: (c) => ['GET', `/campaigns/${c}`],
  readPhase: (c) => ['GET', `/campaigns/${c}/phases/preparation`],
  readReport: (c) => ['GET', `/campaigns/${c}/report`],
  readReportCsv: (c) => ['GET', `/campaigns/${c}/report.csv`],
  exportAudit: (c) => ['GET', `/campaigns/${c}/audit`],
  exportAuditCsv: (c) => ['GET', `/campaigns/${c}/audit.csv`],
  cancelCampaign: (c) => ['POST', `/campaigns/${c}/cancel`, { reason: '上级通知暂缓' }],
  signOffPhase: (c) => ['POST', `/campaigns/${c}/phases/preparation/sign-off`, {}],
  readUnit: (c) => ['GET', `/campaigns/${c}/units/community-1`],
  reinstateUnit: (c) => ['POST', `/campaigns/${c}/units/community-1/reinstate`, { reason: '补报' }],
  submit: (c) => ['POST', `/campaigns/${c}/phases/preparation/units/community-1/submissions`, { kind: 'applicant-roster', report: '困难职工花名册 20 户' }],
  review: (c) => ['POST', `/campaigns/${c}/phases/preparation/units/community-1/reviews`, { decision: 'approve' }],
  strikeEntries: (c) => ['POST', `/campaigns/${c}/phases/preparation/units/community-1/strikes`, { entries: [{ entry: 1, reason: '经入户核实不符合条件' }] }],
  recordVisit: (c) => ['POST', `/campaigns/${c}/phases/visiting/units/community-1/visits`, { entry: 1, amount: 500, visitedOn: '2027-02-09', recipientSigned: true, handler: '王干事' }],
  recordVisitBatch: (c) => ['POST', `/campaigns/${c}/phases/visiting/units/community-1/visit-batches`, { visits: [{ entry: 1, amount: 500, visitedOn: '2027-02-09', recipientSigned: true, handler: '王干事' }] }],
  // A request none of these callers sent (their subjects are person ids): only its sender may read its outcome.
  readUnitRequest: (c) => ['GET', `/campaigns/${c}/phases/preparation/units/community-1/requests/submit:community-1:probe`],
  extendCutoff: (c) => ['POST', `/campaigns/${c}/phases/preparation/units/community-1/cutoff-extensions`, { cutoff: '2099-12-31T17:00:00+08:00', reason: '村委换届,延后报送' }],
  readNoticeLink: (c) => ['GET', `/campaigns/${c}/units/community-1/notice-link`],
  answerObjection: (c) => ['POST', `/campaigns/${c}/units/community-1/objections/1/answer`, { answer: '经核实该户符合条件' }],
  decideObjection: (c) => ['POST', `/campaigns/${c}/units/community-1/objections/1/decision`, { outcome: 'dismiss', reason: '经核实该户符合条件' }],
  addHousehold: (c) => ['POST', `/campaigns/${c}/units/community-1/objections/1/addition`, { household: household(1) }],
  downloadRosterTemplate: (c) => ['GET', `/campaigns/${c}/units/community-1/roster-template.xlsx`],
  printRoster: (c) => ['GET', `/campaigns/${c}/phases/visiting/units/community-1/roster.pdf`],
  readReportXlsx: (c) => ['GET', `/campaigns/${c}/report.xlsx`],
  readReportPdf: (c) => ['GET', `/campaigns/${c}/report.pdf`],
  // JSON, not a file: a caller let through is told 415.
  uploadRoster: (c) => ['POST', `/campaigns/${c}/phases/preparation/units/community-1/roster-uploads`, {}],
  uploadVisits: (c) => ['POST', `/campaigns/${c}/phases/visiting/units/community-1/visit-uploads`, {}],
  eraseHousehold: (c) => ['POST', `/campaigns/${c}/units/community-1/roster/1/erasure`, { reason: '本人申请' }],
  eraseCampaignPersonalData: (c) => ['POST', `/campaigns/${c}/personal-data/erasure`, { reason: '保存期满' }],
  listMembers: (c) => ['GET', `/campaigns/${c}/members`],
  // A person of no organization: a caller let through is told 422 not-a-colleague.
  nameSubstitute: (c) => ['POST', `/campaigns/${c}/reviewers/rights-dept/substitutes`, { personId: 'nobody-here', from: '2099-02-01T09:00:00+08:00', until: '2099-02-08T09:00:00+08:00', reason: '出差', notify: { channel: { type: 'email', to: 'stand-in@example.org' } } }],
  listSubstitutes: (c) => ['GET', `/campaigns/${c}/reviewers/rights-dept/substitutes`],
  revokeSubstitute: (c) => ['DELETE', `/campaigns/${c}/reviewers/rights-dept/substitutes/substitute-none`],
  urgeUnit: (c) => ['POST', `/campaigns/${c}/units/community-1/urge`, { note: '请于今日下班前报送花名册' }],
  grantMembership: () => ['POST', '', undefined], // built per organization below: it names a person
};

// The policy, written out by hand (never derived from api/access.ts). 503: let through, the handler
// found Temporal away (a write); 200/201: let through, the handler needs no Temporal (a read from
// the record); 403: the caller holds a role in the campaign that does not reach this; 404: the
// caller holds no role in the campaign (or, for readUnitRequest, the request is not the caller's).
//                       coordinator reviewer-1 reviewer-2 unit-1 unit-2 admin
const OWN_CAMPAIGN: Record<string, readonly number[]> = {
  readCampaign:         [200, 200, 200, 403, 403, 403],
  readPhase:            [200, 200, 200, 403, 403, 403],
  readReport:           [200, 200, 200, 403, 403, 403],
  readReportCsv:        [200, 200, 200, 403, 403, 403],
  exportAudit:          [200, 403, 403, 403, 403, 403],
  exportAuditCsv:       [200, 403, 403, 403, 403, 403],
  cancelCampaign:       [503, 403, 403, 403, 403, 403],
  signOffPhase:         [503, 403, 403, 403, 403, 403],
  readUnit:             [200, 200, 403, 200, 403, 403],
  readUnitRequest:      [404, 404, 403, 404, 403, 403],
  reinstateUnit:        [503, 403, 403, 403, 403, 403],
  submit:               [403, 403, 403, 503, 403, 403],
  review:               [403, 503, 403, 403, 403, 403],
  strikeEntries:        [403, 503, 403, 403, 403, 403],
  recordVisit:          [403, 403, 403, 503, 403, 403],
  recordVisitBatch:     [403, 403, 403, 503, 403, 403],
  extendCutoff:         [503, 403, 403, 403, 403, 403],
  readNoticeLink:       [200, 403, 403, 200, 403, 403],
  answerObjection:      [403, 403, 403, 503, 403, 403],
  decideObjection:      [503, 403, 403, 403, 403, 403],
  addHousehold:         [403, 403, 403, 503, 403, 403],
  downloadRosterTemplate: [409, 403, 403, 409, 403, 403], // 409 no-roster-rules: let through, the seeded plan has none
  printRoster:          [409, 409, 403, 409, 403, 403], // 409 no-roster-rules, likewise
  readReportXlsx:       [200, 200, 200, 403, 403, 403],
  readReportPdf:        [200, 200, 200, 403, 403, 403],
  uploadRoster:         [403, 403, 403, 415, 403, 403],
  uploadVisits:         [403, 403, 403, 415, 403, 403],
  eraseHousehold:       [404, 403, 403, 403, 403, 403], // 404 NotOnRoster: let through, nothing approved yet
  eraseCampaignPersonalData: [409, 403, 403, 403, 403, 403], // 409 CampaignRunning: let through
  listMembers:          [403, 403, 403, 403, 403, 200],
  grantMembership:      [403, 403, 403, 403, 403, 201],
  nameSubstitute:       [422, 422, 403, 403, 403, 403], // reviewer-1 acts as rights-dept, the reviewer in the path
  listSubstitutes:      [200, 200, 403, 403, 403, 403],
  revokeSubstitute:     [404, 404, 403, 403, 403, 403], // 404 substitution-not-found: let through
  urgeUnit:             [503, 503, 403, 403, 403, 403], // the unit's supervisor (rights-dept) or the coordinator
};
// Every caller, on every route of the other organization's campaign.
const OTHER_CAMPAIGN =  [404, 404, 404, 404, 404, 404];

// Actions on no campaign, each caller in its own organization.
//                       coordinator reviewer-1 reviewer-2 unit-1 unit-2 admin
const NO_CAMPAIGN: Record<string, readonly number[]> = {
  startCampaign:        [400, 403, 403, 403, 403, 403], // 400: let through, the empty plan is refused
  listCampaigns:        [200, 200, 200, 403, 403, 403],
  decodePayloads:       [200, 403, 403, 403, 403, 403],
  encodePayloads:       [200, 403, 403, 403, 403, 403],
  saveOrganization:     [403, 403, 403, 403, 403, 200],
  createPerson:         [403, 403, 403, 403, 403, 201],
  readPerson:           [403, 403, 403, 403, 403, 200],
  issueToken:           [403, 403, 403, 403, 403, 201],
  issueSignInLink:      [403, 403, 403, 403, 403, 201],
};

test('given the route table, every secured operation should be in the policy tables above (revokeToken and revokeMembership have tests of their own)', () => {
  const written = new Set([...Object.keys(OWN_CAMPAIGN), ...Object.keys(NO_CAMPAIGN), 'revokeToken', 'revokeMembership']);
  expect(allRoutes.filter((r) => r.action && !written.has(r.operationId)).map((r) => r.operationId)).toEqual([]);
});

const other = (org: OrgName): OrgName => (org === 'union' ? 'health' : 'union');

function campaignRequest(action: string, campaignOf: OrgName, campaignId: string = ORGS[campaignOf].campaign): [string, string, unknown?] {
  if (action === 'grantMembership') return ['POST', `/campaigns/${campaignId}/members`, { personId: personIds[campaignOf].spare, role: 'unit', subject: 'community-1' }];
  return campaignProbes[action]!(campaignId);
}

function noCampaignRequest(org: OrgName, action: string): [string, string, unknown?] {
  const person = personIds[org].spare;
  const requests: Record<string, [string, string, unknown?]> = {
    startCampaign: ['POST', '/campaigns', {}],
    listCampaigns: ['GET', '/campaigns'],
    decodePayloads: ['POST', '/codec/decode', { payloads: [] }],
    encodePayloads: ['POST', '/codec/encode', { payloads: [] }],
    saveOrganization: ['POST', '/organization', { name: ORGS[org].name }],
    createPerson: ['POST', '/organization/people', { displayName: '新来的文员' }],
    readPerson: ['GET', `/organization/people/${person}`],
    issueToken: ['POST', `/organization/people/${person}/tokens`, { name: '备用', expiresAt: new Date(Date.now() + 3_600_000).toISOString() }],
    issueSignInLink: ['POST', `/organization/people/${person}/sign-in-links`, {}],
  };
  return requests[action]!;
}

const send = (token: string, [method, path, body]: [string, string, unknown?]) => api.call(method, path, { token, body });

describe.each(Object.keys(ORGS) as OrgName[])('given the %s organization’s people', (org) => {
  const ownCases = Object.entries(OWN_CAMPAIGN).flatMap(([action, row]) => CALLERS.map((caller, i) => ({ action, caller, expected: row[i]! })));
  test.each(ownCases)('when its $caller tries $action on its own campaign, it should answer $expected', async ({ action, caller, expected }) => {
    const response = await send(tokens[org][caller], campaignRequest(action, org));
    expect({ status: response.status, code: response.body?.error?.code }).toMatchObject({ status: expected, ...(expected === 403 ? { code: 'forbidden' } : {}) });
  });

  const otherCases = Object.keys(OWN_CAMPAIGN).flatMap((action) => CALLERS.map((caller, i) => ({ action, caller, expected: OTHER_CAMPAIGN[i]! })));
  test.each(otherCases)('when its $caller tries $action on the other organization’s campaign, it should answer $expected', async ({ action, caller, expected }) => {
    const response = await send(tokens[org][caller], campaignRequest(action, other(org)));
    expect(response.status).toBe(expected);
    // The same answer as for a campaign that does not exist at all.
    expect(response.body.error.message).toBe(`没有活动 ${ORGS[other(org)].campaign} (no campaign ${ORGS[other(org)].campaign})`);
  });

  const noCampaignCases = Object.entries(NO_CAMPAIGN).flatMap(([action, row]) => CALLERS.map((caller, i) => ({ action, caller, expected: row[i]! })));
  test.each(noCampaignCases)('when its $caller tries $action, it should answer $expected', async ({ action, caller, expected }) => {
    const response = await send(tokens[org][caller], noCampaignRequest(org, action));
    expect(response.status).toBe(expected);
  });

  test('when its administrator reads, issues a token for or grants a role to the other organization’s person, or revokes its tokens, it should answer 404', async () => {
    const theirs = personIds[other(org)]['unit-1'];
    const admin = ORGS[org].adminToken;
    expect((await api.call('GET', `/organization/people/${theirs}`, { token: admin })).status).toBe(404);
    expect((await api.call('POST', `/organization/people/${theirs}/tokens`, { token: admin, body: { name: '越权', expiresAt: new Date(Date.now() + 3_600_000).toISOString() } })).status).toBe(404);
    expect((await api.call('POST', `/organization/people/${theirs}/sign-in-links`, { token: admin, body: {} })).status).toBe(404);
    expect((await api.call('POST', `/campaigns/${ORGS[org].campaign}/members`, { token: admin, body: { personId: theirs, role: 'unit', subject: 'community-1' } })).status).toBe(404);
    const [theirToken] = (await pool.query<{ token_id: string }>('SELECT token_id FROM api_tokens WHERE person_id = $1', [theirs])).rows;
    expect((await api.call('POST', `/organization/tokens/${theirToken!.token_id}/revoke`, { token: admin })).status).toBe(404);
    expect((await api.call('GET', `/campaigns/${ORGS[other(org)].campaign}/units/community-1/notice-link`, { token: tokens[other(org)]['unit-1'] })).status).toBe(200);
  });

  test('when its coordinator and reviewers list campaigns through the API, each should be shown its own organization’s campaign only', async () => {
    const listed = async (who: Caller) => {
      const response = await api.call('GET', '/campaigns', { token: tokens[org][who] });
      return { who, status: response.status, campaigns: (response.body.campaigns as { campaignId: string }[] | undefined)?.map((c) => c.campaignId) };
    };
    const own = ORGS[org].campaign;
    expect([await listed('coordinator'), await listed('reviewer-1'), await listed('reviewer-2')]).toEqual([
      { who: 'coordinator', status: 200, campaigns: [own] },
      { who: 'reviewer-1', status: 200, campaigns: [own] },
      { who: 'reviewer-2', status: 200, campaigns: [own] },
    ]);
  });

  test('when listing, each person should see only the campaigns it holds a role in, in its own organization', async () => {
    const people = new People(pool);
    const principal = async (who: Caller) => ((await people.verifyToken(tokens[org][who])) as { principal: Principal }).principal;
    const own = ORGS[org].campaign;
    expect(await visibleCampaignIds(pool, await principal('coordinator'))).toEqual([own]);
    expect(await visibleCampaignIds(pool, await principal('reviewer-1'))).toEqual([own]);
    expect(await visibleCampaignIds(pool, await principal('unit-1'))).toEqual([]);
    expect(await visibleCampaignIds(pool, await principal('admin'))).toEqual([]);
  });
});

describe('given a second campaign of the union organization, also with units community-1 and community-2', () => {
  const second = 'union-summer-2027';
  beforeAll(() => seedCampaign(second, ORGS.union.id));

  // The people's roles are in the first campaign only: nothing of the second is theirs.
  //                                     reviewer-1 reviewer-2 unit-1 unit-2
  const SECOND_CAMPAIGN: readonly number[] = [404, 404, 404, 404];
  const BOUND: Caller[] = ['reviewer-1', 'reviewer-2', 'unit-1', 'unit-2'];
  const cases = Object.keys(OWN_CAMPAIGN).flatMap((action) => BOUND.map((caller, i) => ({ action, caller, expected: SECOND_CAMPAIGN[i]! })));
  test.each(cases)('when the first campaign’s $caller tries $action on it, it should answer $expected', async ({ action, caller, expected }) => {
    const response = await send(tokens.union[caller], campaignRequest(action, 'union', second));
    expect({ status: response.status, message: response.body.error?.message }).toEqual({ status: expected, message: `没有活动 ${second} (no campaign ${second})` });
  });

  test('when the organization’s coordinator reads it, it should be shown (it coordinates every campaign of its organization)', async () => {
    expect((await api.call('GET', `/campaigns/${second}`, { token: tokens.union.coordinator })).status).toBe(200);
  });
});

describe('the API_TOKENS grants of the embedded demo', () => {
  test('given a unit grant and a coordinator grant bound to no organization, they should act on the demo’s campaign and get 404 on every organization’s', async () => {
    expect((await api.call('GET', `/campaigns/${DEMO.campaign}/units/community-1/notice-link`, { token: DEMO.unitToken })).status).toBe(200);
    expect((await api.call('GET', `/campaigns/${DEMO.campaign}/units/community-2/notice-link`, { token: DEMO.unitToken })).status).toBe(403);
    expect((await api.call('GET', `/campaigns/${DEMO.campaign}/units/community-2/notice-link`, { token: DEMO.coordinatorToken })).status).toBe(200);
    for (const org of Object.values(ORGS)) {
      expect((await api.call('GET', `/campaigns/${org.campaign}/units/community-1/notice-link`, { token: DEMO.unitToken })).status).toBe(404);
      expect((await api.call('POST', `/campaigns/${org.campaign}/cancel`, { token: DEMO.coordinatorToken, body: { reason: '越权' } })).status).toBe(404);
    }
  });
});

describe('administration', () => {
  const admin = (method: string, path: string, body?: unknown) => api.call(method, path, { token: ORGS.union.adminToken, body });

  test('given an administrator bootstrapped from API_TOKENS, adding people should answer 409 until it has saved its organization', async () => {
    const add = () => api.call('POST', '/organization/people', { token: NEW_ORG.adminToken, body: { displayName: '慈善会 办公室' } });
    expect(await add()).toMatchObject({ status: 409, body: { error: { code: 'no-organization' } } });
    expectOk(await api.call('POST', '/organization', { token: NEW_ORG.adminToken, body: { name: '某某县慈善会' } }), 200);
    expect(expectOk(await add(), 201)).toMatchObject({ organizationId: NEW_ORG.id, displayName: '慈善会 办公室', roles: [] });
  });

  test('given a role the campaign’s plan does not name, granting it should answer 422', async () => {
    for (const [role, subject] of [['unit', 'community-9'], ['reviewer', 'finance-dept'], ['coordinator', 'someone-else']]) {
      const response = await admin('POST', `/campaigns/${ORGS.union.campaign}/members`, { personId: personIds.union.spare, role, subject });
      expect({ status: response.status, code: response.body.error?.code }).toEqual({ status: 422, code: 'not-in-plan' });
    }
    expectOk(await admin('POST', `/campaigns/${ORGS.union.campaign}/members`, { personId: personIds.union.spare, role: 'coordinator', subject: 'union-office' }), 201);
    expectOk(await admin('POST', `/campaigns/${ORGS.union.campaign}/members/revoke`, { personId: personIds.union.spare, role: 'coordinator', subject: 'union-office' }), 200);
  });

  test('given a clerk who left, when the administrator takes the unit role away, the clerk’s token should get 404 in that campaign at once', async () => {
    const clerk = (expectOk(await admin('POST', '/organization/people', { displayName: '东湖社区 文员' }), 201) as { personId: string }).personId;
    const membership = { personId: clerk, role: 'unit', subject: 'community-1' };
    expectOk(await admin('POST', `/campaigns/${ORGS.union.campaign}/members`, membership), 201);
    const { token } = expectOk(await admin('POST', `/organization/people/${clerk}/tokens`, { name: '东湖社区文员', expiresAt: new Date(Date.now() + 3_600_000).toISOString() }), 201);
    const noticeLink = () => api.call('GET', `/campaigns/${ORGS.union.campaign}/units/community-1/notice-link`, { token });
    expect((await noticeLink()).status).toBe(200);
    const members = expectOk(await admin('GET', `/campaigns/${ORGS.union.campaign}/members`), 200).members;
    expect(members).toContainEqual({ campaignId: ORGS.union.campaign, ...membership });
    expect(expectOk(await admin('GET', `/organization/people/${clerk}`), 200)).toMatchObject({ memberships: [{ campaignId: ORGS.union.campaign, role: 'unit', subject: 'community-1' }], tokens: [{ name: '东湖社区文员', revokedAt: null }] });
    expectOk(await admin('POST', `/campaigns/${ORGS.union.campaign}/members/revoke`, membership), 200);
    expect((await noticeLink()).status).toBe(404);
    expect((await admin('POST', `/campaigns/${ORGS.union.campaign}/members/revoke`, membership)).status).toBe(404);
  });
});

describe('credentials', () => {
  const noticeLink = (token: string) => api.call('GET', `/campaigns/${ORGS.union.campaign}/units/community-1/notice-link`, { token });
  const issue = async (name: string) =>
    expectOk(await api.call('POST', `/organization/people/${personIds.union['unit-1']}/tokens`, { token: ORGS.union.adminToken, body: { name, expiresAt: new Date(Date.now() + 3_600_000).toISOString() } }), 201) as {
      token: string;
      tokenId: string;
    };

  test('given a token revoked through the API, the next request with it should be refused with 401', async () => {
    const { token, tokenId } = await issue('东湖社区文员');
    expect((await noticeLink(token)).status).toBe(200);
    const revoked = expectOk(await api.call('POST', `/organization/tokens/${tokenId}/revoke`, { token: ORGS.union.adminToken }), 200);
    expect(revoked.revokedAt).toEqual(expect.any(String));
    expect(revoked.lastUsedAt).toEqual(expect.any(String));
    const refused = await noticeLink(token);
    expect({ status: refused.status, code: refused.body.error.code, message: refused.body.error.message }).toEqual({ status: 401, code: 'unauthorized', message: '令牌已撤销 (token revoked)' });
    const outcomes = (await pool.query<{ outcome: string }>('SELECT outcome FROM auth_events WHERE token_id = $1 ORDER BY id', [tokenId])).rows.map((r) => r.outcome);
    expect(outcomes).toEqual(['accepted', 'revoked']);
  });

  test('given a token past its expiry, it should be refused with 401', async () => {
    const { token, tokenId } = await issue('临时');
    expect((await noticeLink(token)).status).toBe(200);
    await pool.query("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE token_id = $1", [tokenId]);
    expect(await noticeLink(token)).toMatchObject({ status: 401, body: { error: { message: '令牌已过期 (token expired)' } } });
  });

  test('given an expiry in the past or beyond 400 days, issuing should answer 400', async () => {
    for (const expiresAt of [new Date(Date.now() - 1000), new Date(Date.now() + 401 * 86_400_000)]) {
      const response = await api.call('POST', `/organization/people/${personIds.union['unit-1']}/tokens`, { token: ORGS.union.adminToken, body: { name: 'x', expiresAt: expiresAt.toISOString() } });
      expect(response.status).toBe(400);
    }
  });

  test('given a person’s tokens, the store should hold only their hashes, and a sign-in link should work once', async () => {
    const { token } = await issue('核对');
    const stored = JSON.stringify((await pool.query('SELECT * FROM api_tokens')).rows);
    expect(stored).not.toContain(token);
    const link = expectOk(await api.call('POST', `/organization/people/${personIds.union['unit-1']}/sign-in-links`, { token: ORGS.union.adminToken, body: { minutes: 5 } }), 201);
    expect(JSON.stringify((await pool.query('SELECT * FROM sign_in_links')).rows)).not.toContain(link.link);
    const people = new People(pool);
    expect(await people.useSignInLink(link.link)).toBe(personIds.union['unit-1']);
    expect(await people.useSignInLink(link.link)).toBeUndefined();
  });

  test('given fifty failed attempts from one address, from the eleventh on they should be slowed (429 with Retry-After, also for a valid token), and each wait should be longer than the last', async () => {
    const limited = await startApi(config, lazyTemporalClient(config).client);
    try {
      const answered: number[] = [];
      const call = async (token: string) => {
        const response = await limited.call('GET', '/campaigns', { token });
        answered.push(response.status);
        return { status: response.status, retryAfter: Number(response.headers.get('retry-after') ?? 0), code: response.body.error?.code };
      };
      let guesses = 0;
      const guess = () => call(`guess-${guesses++}-0123456789abcdef`);
      const answers = [];
      for (let i = 0; i < 50; i++) answers.push(await guess());
      expect(answers.slice(0, 10)).toEqual(Array(10).fill({ status: 401, retryAfter: 0, code: 'unauthorized' }));
      // From the tenth failure on, each attempt that reaches a look-up blocks the address again for
      // twice as long (1 s, 2 s, 4 s …): however slowly this machine sends them, few of the other
      // forty get through (six in 60 s), and the rest are refused without a look-up.
      const later = answers.slice(10);
      expect(later.filter((a) => a.status !== 401 && a.status !== 429)).toEqual([]);
      const slowed = later.filter((a) => a.status === 429);
      expect(slowed.length).toBeGreaterThanOrEqual(30);
      expect(slowed.filter((a) => a.code !== 'too-many-failures' || a.retryAfter < 1)).toEqual([]);

      // Waited out, the next guess is looked up, and blocks the address for longer than before: even a valid token waits meanwhile.
      let blocked = await guess();
      while (blocked.status !== 429) blocked = await guess();
      await new Promise((r) => setTimeout(r, blocked.retryAfter * 1000 + 200));
      expect((await guess()).status).toBe(401);
      const valid = await call(tokens.union.coordinator);
      expect({ status: valid.status, code: valid.code }).toEqual({ status: 429, code: 'too-many-failures' });
      expect(valid.retryAfter).toBeGreaterThan(blocked.retryAfter);

      const logged = limited.logs.map((l) => JSON.stringify(l)).join('\n');
      expect(logged).not.toMatch(/guess-/);
      expect(limited.logs.filter((l) => l.event === 'auth' && l.outcome === 'rate-limited')).toHaveLength(answered.filter((s) => s === 429).length);
    } finally {
      await limited.close();
    }
  });

  test('given a proxy trusted with API_TRUST_PROXY, failures should count against the forwarded client, and without it a forwarded address should not help', async () => {
    const proxied = await startApi({ ...config, api: { ...config.api, trustProxy: 'loopback', authFailuresPerMinute: 2 } }, lazyTemporalClient(config).client);
    const direct = await startApi({ ...config, api: { ...config.api, authFailuresPerMinute: 2 } }, lazyTemporalClient(config).client);
    try {
      const guess = (app: RunningApi, client: string) => app.call('GET', '/campaigns', { token: 'wrong-token-0123456789', headers: { 'X-Forwarded-For': client } });
      expect([(await guess(proxied, '203.0.113.1')).status, (await guess(proxied, '203.0.113.1')).status, (await guess(proxied, '203.0.113.1')).status]).toEqual([401, 401, 429]);
      expect((await guess(proxied, '203.0.113.2')).status).toBe(401);
      expect([(await guess(direct, '203.0.113.1')).status, (await guess(direct, '203.0.113.1')).status, (await guess(direct, '203.0.113.2')).status]).toEqual([401, 401, 429]);
    } finally {
      await proxied.close();
      await direct.close();
    }
  });

  test('given everything this suite sent, no log line and no auth event should hold a token', async () => {
    const logged = api.logs.map((line) => JSON.stringify(line)).join('\n');
    const events = JSON.stringify((await pool.query('SELECT * FROM auth_events')).rows);
    expect(api.logs.filter((l) => l.event === 'auth').length).toBeGreaterThan(100);
    for (const token of [...Object.values(tokens).flatMap((t) => Object.values(t)), ORGS.union.adminToken, DEMO.unitToken]) {
      expect(logged).not.toContain(token);
      expect(events).not.toContain(token);
    }
    expect(api.logs.filter((l) => l.event === 'error')).toEqual([]);
  });
});

describe('the failure limiter', () => {
  test('given failures past the limit, each further one should double the wait, up to 15 minutes, and a quiet address should be let through again', () => {
    let now = 0;
    const limiter = new FailureLimiter(3, () => now);
    for (let i = 0; i < 2; i++) limiter.fail('a');
    expect(limiter.retryAfter('a')).toBe(0);
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) {
      limiter.fail('a');
      waits.push(limiter.retryAfter('a'));
      now += waits.at(-1)! * 1000;
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]);
    expect(limiter.retryAfter('b')).toBe(0);
    expect(limiter.retryAfter('a')).toBe(0);
  });
});
