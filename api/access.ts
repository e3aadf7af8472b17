import { createHash } from 'node:crypto';
import type { Request } from 'express';
import type { Role, TokenGrant } from '../config';
import { ApiError } from './errors';

// Who may do what: one table, read by the routes, the OpenAPI document and the access tests.

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
] as const;
export type Action = (typeof ACTIONS)[number];

/**
 * How far a role's permission reaches: any campaign; only the unit the token names; only units
 * whose plan names the token's reviewer as supervisor.
 */
export type Scope = 'any' | 'own-unit' | 'supervised-unit';

export const ACCESS: Record<Action, Partial<Record<Role, Scope>>> = {
  startCampaign: { coordinator: 'any' },
  listCampaigns: { coordinator: 'any', reviewer: 'any' },
  readCampaign: { coordinator: 'any', reviewer: 'any' },
  readPhase: { coordinator: 'any', reviewer: 'any' },
  readUnit: { coordinator: 'any', reviewer: 'supervised-unit', unit: 'own-unit' },
  readReport: { coordinator: 'any', reviewer: 'any' },
  // The audit trail goes to the supervision office (紀檢辦) through the coordinator.
  exportAudit: { coordinator: 'any' },
  submit: { unit: 'own-unit' },
  review: { reviewer: 'supervised-unit' },
  strikeEntries: { reviewer: 'supervised-unit' },
  recordVisit: { unit: 'own-unit' },
  // The unit puts its notice link up (公示); the coordinator may hand it out too.
  readNoticeLink: { coordinator: 'any', unit: 'own-unit' },
  answerObjection: { unit: 'own-unit' },
  decideObjection: { coordinator: 'any' },
  // The household's identity is not on the notice: only the unit that knows it adds it.
  addHousehold: { unit: 'own-unit' },
  extendCutoff: { coordinator: 'any' },
  reinstateUnit: { coordinator: 'any' },
  signOffPhase: { coordinator: 'any' },
  cancelCampaign: { coordinator: 'any' },
  // Payloads hold households' names and ID numbers: only the coordinator reads them (Web UI codec server).
  decodePayloads: { coordinator: 'any' },
  encodePayloads: { coordinator: 'any' },
};

/**
 * The one place outside the bearer-token scheme: anyone holding a unit's notice link (公示) may read
 * the notice and file an objection. The link's token is the permission (api/notices.ts, checked by
 * the route, 404 when forged); the actor recorded is NOTICE_ACTOR, never who filed.
 */
export const NOTICE_OPERATIONS = ['readNotice', 'fileObjection'] as const;
export const NOTICE_ACTOR = 'notice';

export type Principal = TokenGrant;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Looks tokens up by their hash, so no token is kept in a structure that could end up in a log or a dump. */
export function tokenVerifier(tokens: Map<string, TokenGrant>): (req: Request) => Principal {
  const byHash = new Map([...tokens].map(([token, grant]) => [sha256(token), grant]));
  return (req) => {
    const header = req.get('authorization');
    if (!header) throw unauthorized('missing bearer token: send Authorization: Bearer <token>');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const grant = match && byHash.get(sha256(match[1]!));
    if (!grant) throw unauthorized('invalid bearer token');
    return grant;
  };
}

const unauthorized = (message: string) => new ApiError(401, 'unauthorized', message, { headers: { 'WWW-Authenticate': 'Bearer' } });

const forbidden = (principal: Principal, what: string) => new ApiError(403, 'forbidden', `a ${principal.role} token (${principal.subject}) may not ${what}`);

/** The scope the principal's role has for this action; 403 when the role has none. */
export function scopeFor(principal: Principal, action: Action): Scope {
  const scope = ACCESS[action][principal.role];
  if (!scope) throw forbidden(principal, describeAction(action));
  return scope;
}

/** Checks a unit-scoped permission; the supervisor is looked up only when the scope needs it. */
export async function authorizeUnit(principal: Principal, scope: Scope, action: Action, unitId: string, supervisorOf: () => Promise<string>): Promise<void> {
  const allowed =
    scope === 'any' || (scope === 'own-unit' ? principal.subject === unitId : (await supervisorOf()) === principal.subject);
  if (!allowed) throw forbidden(principal, `${describeAction(action)} for unit ${unitId}`);
}

const describeAction = (action: Action) => action.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`);
