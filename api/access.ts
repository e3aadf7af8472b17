import type { Pool } from 'pg';
import { createNotificationRouting, type Substitution } from '../store/notification-routing';
import type { CampaignRole, Principal } from '../store/people';
import { ApiError } from './errors';

// Who may do what: one table, read by the app (before any handler runs), the OpenAPI document and
// the listing of campaigns. Every permission is checked against the campaign and its organization.

export type { Principal } from '../store/people';

export const ACTIONS = [
  'startCampaign',
  'listCampaigns',
  'readCampaign',
  'readPhase',
  'readUnit',
  'readReport',
  'exportAudit',
  'submit',
  'review',
  'strikeEntries',
  'recordVisit',
  'downloadRosterTemplate',
  'printRoster',
  'eraseHousehold',
  'eraseCampaignPersonalData',
  'readNoticeLink',
  'answerObjection',
  'decideObjection',
  'addHousehold',
  'extendCutoff',
  'reinstateUnit',
  'signOffPhase',
  'cancelCampaign',
  'decodePayloads',
  'encodePayloads',
  'saveOrganization',
  'createPerson',
  'readPerson',
  'issueToken',
  'revokeToken',
  'issueSignInLink',
  'listMembers',
  'grantMembership',
  'revokeMembership',
  'nameSubstitute',
  'listSubstitutes',
  'revokeSubstitute',
  'urgeUnit',
] as const;
export type Action = (typeof ACTIONS)[number];

/** A plan's roles, held in a campaign, and the organization's administrator. */
export type AccessRole = CampaignRole | 'administrator';

/**
 * How far a role's permission reaches:
 * - organization: the role held in the caller's organization (no campaign in the path);
 * - campaign: any campaign where the caller holds the role (the listing shows those only);
 * - own-unit: only the unit the caller acts as, in a campaign where it holds that unit;
 * - supervised-unit: only units whose supervisor (campaign_units.supervisor) the caller acts as;
 * - own-reviewer: only the reviewer in the path, when the caller holds that reviewer's role itself.
 * A reviewer's substitute (出差, 休假) acts as that reviewer while its period lasts, on every
 * reviewer action but own-reviewer ones (a substitute names no substitutes).
 * A coordinator holds its role in every campaign of its organization; an administrator likewise,
 * for the campaign's memberships. Nobody holds any role in another organization's campaign.
 */
export type Scope = 'organization' | 'campaign' | 'own-unit' | 'supervised-unit' | 'own-reviewer';

export const ACCESS: Record<Action, Partial<Record<AccessRole, Scope>>> = {
  startCampaign: { coordinator: 'organization' },
  listCampaigns: { coordinator: 'campaign', reviewer: 'campaign' },
  readCampaign: { coordinator: 'campaign', reviewer: 'campaign' },
  readPhase: { coordinator: 'campaign', reviewer: 'campaign' },
  readUnit: { coordinator: 'campaign', reviewer: 'supervised-unit', unit: 'own-unit' },
  readReport: { coordinator: 'campaign', reviewer: 'campaign' },
  // The audit trail goes to the supervision office (紀檢辦) through the coordinator.
  exportAudit: { coordinator: 'campaign' },
  submit: { unit: 'own-unit' },
  review: { reviewer: 'supervised-unit' },
  strikeEntries: { reviewer: 'supervised-unit' },
  recordVisit: { unit: 'own-unit' },
  // The template names the plan's categories and funding sources only: the unit fills it, the coordinator hands it out.
  downloadRosterTemplate: { coordinator: 'campaign', unit: 'own-unit' },
  // The signed roster (慰问名册) names the households: for the unit that listed them, its reviewer who checked them, the coordinator.
  printRoster: { coordinator: 'campaign', reviewer: 'supervised-unit', unit: 'own-unit' },
  // Erasing personal data (个人信息删除) is the coordinator's, who answers for the campaign's records.
  eraseHousehold: { coordinator: 'campaign' },
  eraseCampaignPersonalData: { coordinator: 'campaign' },
  // The unit puts its notice link up (公示); the coordinator may hand it out too.
  readNoticeLink: { coordinator: 'campaign', unit: 'own-unit' },
  answerObjection: { unit: 'own-unit' },
  decideObjection: { coordinator: 'campaign' },
  // The household's identity is not on the notice: only the unit that knows it adds it.
  addHousehold: { unit: 'own-unit' },
  extendCutoff: { coordinator: 'campaign' },
  reinstateUnit: { coordinator: 'campaign' },
  signOffPhase: { coordinator: 'campaign' },
  cancelCampaign: { coordinator: 'campaign' },
  // Payloads hold households' names and ID numbers: only a coordinator reads them (Web UI codec server).
  decodePayloads: { coordinator: 'organization' },
  encodePayloads: { coordinator: 'organization' },
  // People and credentials are the administrator's alone; it neither reads nor steers campaigns.
  saveOrganization: { administrator: 'organization' },
  createPerson: { administrator: 'organization' },
  readPerson: { administrator: 'organization' },
  issueToken: { administrator: 'organization' },
  revokeToken: { administrator: 'organization' },
  issueSignInLink: { administrator: 'organization' },
  listMembers: { administrator: 'campaign' },
  grantMembership: { administrator: 'campaign' },
  revokeMembership: { administrator: 'campaign' },
  // A reviewer going away (出差, 休假) names its substitute; the coordinator may arrange it for it.
  nameSubstitute: { coordinator: 'campaign', reviewer: 'own-reviewer' },
  listSubstitutes: { coordinator: 'campaign', reviewer: 'own-reviewer' },
  revokeSubstitute: { coordinator: 'campaign', reviewer: 'own-reviewer' },
  // 催办: the coordinator, or the unit's own supervisor.
  urgeUnit: { coordinator: 'campaign', reviewer: 'supervised-unit' },
};

/**
 * The one place outside the bearer-token scheme: anyone holding a unit's notice link (公示) may read
 * the notice and file an objection. The link's token is the permission (api/notices.ts, checked by
 * the route, 404 when forged); the actor recorded is NOTICE_ACTOR, never who filed.
 */
export const NOTICE_OPERATIONS = ['readNotice', 'fileObjection'] as const;
export const NOTICE_ACTOR = 'notice';

/** What the path names: the campaign and unit an action is on, when it is on one. */
export interface Target {
  campaignId?: string;
  unitId?: string;
  reviewerId?: string;
}

/** The actor the record keeps for an act done by a substitute: who acted, and for whom (ids only, so it stays a request id's subject). */
export const substituteActor = (subject: string, reviewerId: string): string => `${subject}--substitute-for--${reviewerId}`;

/** The organization-wide roles: a coordinator coordinates, an administrator administers, every campaign of the organization. */
const organizationRole = (principal: Principal, role: AccessRole): boolean => (role === 'administrator' ? principal.admin : role === 'coordinator' && principal.coordinator);

/** The subjects the principal acts as in a campaign of its organization, by role ('*' for all). */
function rolesIn(principal: Principal, campaignId: string): Map<AccessRole, Set<string>> {
  const held = new Map<AccessRole, Set<string>>();
  const add = (role: AccessRole, subject: string) => held.set(role, (held.get(role) ?? new Set()).add(subject));
  for (const role of ['coordinator', 'administrator'] as const) if (organizationRole(principal, role)) add(role, '*');
  for (const m of principal.memberships) if (m.campaignId === campaignId || m.campaignId === null) add(m.role, m.subject);
  return held;
}

/** For an action on no particular campaign: the role in the organization, or (for a listing) in some campaign. */
const holdsAnywhere = (principal: Principal, role: AccessRole, scope: Scope): boolean =>
  organizationRole(principal, role) || (scope !== 'organization' && principal.memberships.some((m) => m.role === role));

const notFound = (campaignId: string) => new ApiError(404, 'campaign-not-found', `没有活动 ${campaignId} (no campaign ${campaignId})`);
const forbidden = (action: Action, target: Target) =>
  new ApiError(403, 'forbidden', `您的身份无权执行此操作 (may not ${describeAction(action)}${target.unitId ? ` for unit ${target.unitId}` : ''})`);

/**
 * Allows the action or throws: 404 when the campaign does not exist or the caller holds no role
 * in it (so another organization's campaigns are not revealed), 403 when it holds one that does
 * not reach this action or unit. Answers the substitution it was allowed through, when the caller
 * acts as a reviewer it stands in for (the act is then recorded as the substitute's for that reviewer).
 */
export async function authorize(pool: Pool, principal: Principal, action: Action, target: Target): Promise<Substitution | undefined> {
  const grants = Object.entries(ACCESS[action]) as [AccessRole, Scope][];
  if (target.campaignId === undefined) {
    if (!grants.some(([role, scope]) => holdsAnywhere(principal, role, scope))) throw forbidden(action, target);
    return undefined;
  }
  const { rows } = await pool.query<{ organization_id: string | null; supervisor: string | null }>(
    'SELECT c.organization_id, u.supervisor FROM campaigns c LEFT JOIN campaign_units u ON u.campaign_id = c.campaign_id AND u.unit_id = $2 WHERE c.campaign_id = $1',
    [target.campaignId, target.unitId ?? null],
  );
  const campaign = rows[0];
  if (!campaign || campaign.organization_id !== principal.organizationId) throw notFound(target.campaignId);
  const held = rolesIn(principal, target.campaignId);
  const reaches = (roles: Map<AccessRole, Set<string>>) => ([role, scope]: [AccessRole, Scope]) => {
    const subjects = roles.get(role);
    if (!subjects) return false;
    if (scope === 'own-unit') return target.unitId !== undefined && (subjects.has('*') || subjects.has(target.unitId));
    if (scope === 'supervised-unit') return campaign.supervisor !== null && (subjects.has('*') || subjects.has(campaign.supervisor));
    if (scope === 'own-reviewer') return target.reviewerId !== undefined && subjects.has(target.reviewerId);
    return true;
  };
  // Asked only when the caller's own roles do not reach: the reviewers it stands in for right now.
  const ownReach = grants.some(reaches(held));
  const standIns =
    !ownReach && principal.personId && grants.some(([role]) => role === 'reviewer')
      ? await createNotificationRouting(pool).substitutedReviewers(target.campaignId, principal.personId, new Date().toISOString())
      : [];
  if (held.size === 0 && standIns.length === 0) throw notFound(target.campaignId);
  // Within a campaign it may see, a unit that is not in it is named as such, for every role.
  if (target.unitId !== undefined && campaign.supervisor === null) throw new ApiError(404, 'unit-not-found', `活动 ${target.campaignId} 中没有单位 ${target.unitId} (no unit ${target.unitId} in campaign ${target.campaignId})`);
  if (ownReach) return undefined;
  const through = standIns.find((s) => grants.filter(([, scope]) => scope !== 'own-reviewer').some(reaches(new Map([['reviewer', new Set([s.reviewerId])]]))));
  if (!through) throw forbidden(action, target);
  return through;
}

/**
 * The campaigns the principal may list, as a predicate on a `campaigns` row aliased `alias`, with
 * its parameters numbered from `first`: for the read paths' SQL (WHERE … AND ${sql}).
 */
export function visibleCampaigns(principal: Principal, alias = 'c', first = 1): { sql: string; params: unknown[] } {
  const roles = Object.keys(ACCESS.listCampaigns) as AccessRole[];
  const p = (i: number) => `$${first + i}`;
  const everyCampaign = roles.some((role) => organizationRole(principal, role)) || principal.memberships.some((m) => m.campaignId === null && roles.includes(m.role));
  return {
    sql: `(${alias}.organization_id IS NOT DISTINCT FROM ${p(0)}::text AND (${p(1)}::boolean OR EXISTS (SELECT 1 FROM memberships m WHERE m.campaign_id = ${alias}.campaign_id AND m.person_id = ${p(2)}::text AND m.role = ANY(${p(3)}::text[]))))`,
    params: [principal.organizationId, everyCampaign, principal.personId, roles],
  };
}

/** The ids of the campaigns the principal may list, newest first. */
export async function visibleCampaignIds(pool: Pool, principal: Principal): Promise<string[]> {
  const { sql, params } = visibleCampaigns(principal);
  const { rows } = await pool.query<{ campaign_id: string }>(`SELECT c.campaign_id FROM campaigns c WHERE ${sql} ORDER BY c.started_at DESC, c.campaign_id`, params);
  return rows.map((r) => r.campaign_id);
}

const describeAction = (action: Action) => action.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`);
