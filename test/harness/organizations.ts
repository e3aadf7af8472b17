import type { CampaignPlan } from '../../domain/plan';
import { eventually, type ApiResponse, type RunningApi } from './api';
import { subDistrictSpringPlan, unionWinterPlan, type PlanOptions } from './plans';

// Two organizations set up as an office would, through the API's own administrator routes: each
// administrator bootstrapped from API_TOKENS saves its organization, adds a coordinator, a reviewer,
// a unit clerk and an administrator as people, the coordinator starts the organization's campaign
// (both have a unit community-1), and the administrator grants the roles and issues a token to
// each. For the suites and scripts that must act with a token of each role in each organization.

export const ROLES = ['coordinator', 'reviewer', 'unit', 'admin'] as const;
export type Role = (typeof ROLES)[number];

interface OrganizationSpec {
  organizationId: string;
  name: string;
  /** The bootstrap grant `admin:<organizationId>` in API_TOKENS. */
  bootstrapToken: string;
  plan(options: PlanOptions): CampaignPlan;
  /** The plan's reviewer that supervises community-1. */
  reviewer: string;
}

export const ORGANIZATIONS = {
  subDistrict: {
    organizationId: 'dongfeng-sub-district',
    name: '东风街道办事处',
    bootstrapToken: 'bootstrap-admin-dongfeng-sub-district-01',
    plan: subDistrictSpringPlan,
    reviewer: 'civil-affairs-review',
  },
  union: {
    organizationId: 'xx-county-union',
    name: '某某县总工会',
    bootstrapToken: 'bootstrap-admin-xx-county-union-000001',
    // Plan 5's grassroots unions, numbered as communities so both organizations have a community-1.
    plan: (options: PlanOptions) => {
      const plan = unionWinterPlan(options);
      return { ...plan, units: plan.units.map((u, i) => ({ ...u, id: `community-${i + 1}` })) };
    },
    reviewer: 'rights-dept',
  },
} as const satisfies Record<string, OrganizationSpec>;
export type OrganizationKey = keyof typeof ORGANIZATIONS;
export const ORGANIZATION_KEYS = Object.keys(ORGANIZATIONS) as OrganizationKey[];

/** The unit both organizations' campaigns have. */
export const UNIT_ID = 'community-1';

/** API_TOKENS for the two bootstrap administrators. */
export const BOOTSTRAP_GRANTS = ORGANIZATION_KEYS.map((k) => `${ORGANIZATIONS[k].bootstrapToken}=admin:${ORGANIZATIONS[k].organizationId}`).join(',');

export interface Organization {
  organizationId: string;
  campaignId: string;
  unitId: typeof UNIT_ID;
  /** The plan's ids the roles act as: the reviewer supervising community-1. */
  reviewerId: string;
  /** A token per role, each a person's, issued by the administrator. */
  tokens: Record<Role, string>;
  personIds: Record<Role, string>;
  /** A person with no role and a token of theirs, for an administrator to act on without disturbing the others. */
  spare: { personId: string; tokenId: string };
}

const DAY_MS = 86_400_000;

function expectStatus(response: ApiResponse, status: number, what: string): ApiResponse['body'] {
  if (response.status !== status) throw new Error(`${what}: expected ${status}, got ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/** Sets up one organization on the API; its campaign is `campaignId` and its unit workflows are running when this returns. */
async function setUp(api: RunningApi, key: OrganizationKey, campaignId: string, webhook: (path: string) => string): Promise<Organization> {
  const spec = ORGANIZATIONS[key];
  const admin = (method: string, path: string, body?: unknown) => api.call(method, path, { token: spec.bootstrapToken, body });
  expectStatus(await admin('POST', '/organization', { name: spec.name }), 200, `${key}: save the organization`);
  const person = async (displayName: string, roles: string[] = []) =>
    (expectStatus(await admin('POST', '/organization/people', { displayName, roles }), 201, `${key}: add ${displayName}`) as { personId: string }).personId;
  const personIds: Record<Role, string> = {
    coordinator: await person(`${spec.name} 牵头科室`, ['coordinator']),
    reviewer: await person(`${spec.name} 审核人`),
    unit: await person(`${spec.name} 社区文员`),
    admin: await person(`${spec.name} 系统管理员`, ['administrator']),
  };
  const issue = async (personId: string, name: string) =>
    expectStatus(await admin('POST', `/organization/people/${personId}/tokens`, { name, expiresAt: new Date(Date.now() + DAY_MS).toISOString() }), 201, `${key}: issue ${name}`) as { token: string; tokenId: string };
  const tokens = {} as Record<Role, string>;
  for (const role of ROLES) tokens[role] = (await issue(personIds[role], `${role} 的令牌`)).token;

  expectStatus(await api.call('POST', '/campaigns', { token: tokens.coordinator, body: spec.plan({ id: campaignId, webhook }) }), 202, `${key}: start the campaign`);
  for (const [role, subject] of [['reviewer', spec.reviewer], ['unit', UNIT_ID]] as const) {
    expectStatus(await admin('POST', `/campaigns/${campaignId}/members`, { personId: personIds[role], role, subject }), 201, `${key}: grant ${role} ${subject}`);
  }
  // The phases lie ahead: once the unit workflow runs, it refuses a review as early (409).
  await eventually(async () => {
    const early = await api.call('POST', `/campaigns/${campaignId}/phases/preparation/units/${UNIT_ID}/reviews`, { token: tokens.reviewer, body: { decision: 'approve' } });
    if (early.status !== 409) throw new Error(`${key}: the unit workflow is not running yet (${early.status})`);
  }, 60_000);

  const spareId = await person(`${spec.name} 备用`);
  const spare = { personId: spareId, tokenId: (await issue(spareId, '备用令牌')).tokenId };
  return { organizationId: spec.organizationId, campaignId, unitId: UNIT_ID, reviewerId: spec.reviewer, tokens, personIds, spare };
}

/** Both organizations on an API started with BOOTSTRAP_GRANTS in API_TOKENS (and a worker behind it). */
export async function setUpOrganizations(api: RunningApi, campaignIdOf: (key: OrganizationKey) => string, webhook: (path: string) => string): Promise<Record<OrganizationKey, Organization>> {
  const organizations = {} as Record<OrganizationKey, Organization>;
  for (const key of ORGANIZATION_KEYS) organizations[key] = await setUp(api, key, campaignIdOf(key), webhook);
  return organizations;
}
