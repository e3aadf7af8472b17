import { z } from 'zod';
import { idSchema, instantSchema } from '../domain/plan';
import { CAMPAIGN_ROLES, ORGANIZATION_ROLES, type People, type Person, type Principal } from '../store/people';
import { ApiError } from './errors';
import { route, SECURED, WRITE, type Route } from './routes';

// An organization's administrator: its name, its people, the roles they hold in its campaigns,
// their API tokens and console sign-in links. Rows of the same route table shape as the
// campaigns' (api/routes.ts), so the app and the OpenAPI document treat them alike.

const text = (max: number) => z.string().trim().min(1).max(max);
const MAX_TOKEN_DAYS = 400;
const DAY_MS = 86_400_000;

const organizationBody = z.strictObject({ name: text(100) });
const organizationSchema = z.object({ organizationId: z.string(), name: z.string() });

const personBody = z.strictObject({
  /** As colleagues write it, e.g. "东湖社区 文员": never a household's name. */
  displayName: text(100),
  roles: z.array(z.enum(ORGANIZATION_ROLES)).max(ORGANIZATION_ROLES.length).default([]),
});
const personParams = z.object({ personId: idSchema });
const membershipSchema = z.object({ campaignId: z.string(), role: z.enum(CAMPAIGN_ROLES), subject: z.string() });
const tokenRecordSchema = z.object({
  tokenId: z.string(),
  personId: z.string(),
  name: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
});
const personSchema = z.object({ personId: z.string(), organizationId: z.string(), displayName: z.string(), roles: z.array(z.enum(ORGANIZATION_ROLES)), createdAt: z.string() });
const personDetailSchema = personSchema.extend({ memberships: z.array(membershipSchema), tokens: z.array(tokenRecordSchema) });

const tokenBody = z.strictObject({
  /** Whose desk it is on: "东湖社区文员". */
  name: text(100),
  expiresAt: instantSchema.refine((at) => {
    const ms = Date.parse(at) - Date.now();
    return ms > 0 && ms <= MAX_TOKEN_DAYS * DAY_MS;
  }, `a time in the next ${MAX_TOKEN_DAYS} days`),
});
const issuedTokenSchema = tokenRecordSchema.extend({ token: z.string().describe('the secret, shown this once; only its SHA-256 is kept') });
const tokenParams = z.object({ tokenId: idSchema });

const signInLinkBody = z.strictObject({ minutes: z.number().int().min(1).max(60).default(15) });
const signInLinkSchema = z.object({ linkId: z.string(), link: z.string().describe('one-time secret for the console, shown this once'), expiresAt: z.string() });

const campaignParams = z.object({ campaignId: idSchema });
const memberBody = z.strictObject({ personId: idSchema, role: z.enum(CAMPAIGN_ROLES), subject: idSchema });
const membersSchema = z.object({ members: z.array(membershipSchema.extend({ personId: z.string() })) });

/** The administrator's organization: every principal holding the administrator role has one. */
const organizationOf = (principal: Principal): string => {
  if (principal.organizationId === null) throw new ApiError(403, 'forbidden', '没有所属机构 (this token belongs to no organization)');
  return principal.organizationId;
};

/** The person, when it is one of the administrator's organization's; 404 for anyone else's. */
async function ownPerson(people: People, principal: Principal, personId: string): Promise<Person> {
  const person = await people.person(organizationOf(principal), personId);
  if (!person) throw new ApiError(404, 'not-found', `本机构没有人员 ${personId} (no person ${personId} in your organization)`);
  return person;
}

/** PostgreSQL's foreign-key violation: the organization was never saved. */
const FOREIGN_KEY_VIOLATION = '23503';

export const adminRoutes: Route[] = [
  route({
    operationId: 'saveOrganization',
    method: 'post',
    path: '/organization',
    summary: 'Create or rename the administrator’s organization (the first act of an administrator bootstrapped with API_TOKENS admin:<organization>).',
    tag: 'access',
    action: 'saveOrganization',
    body: organizationBody,
    response: { status: 200, description: 'the organization', schema: organizationSchema },
    errors: [400, ...SECURED, 413],
    handle: async ({ body, principal, people }) => ({ body: await people.saveOrganization(organizationOf(principal), body.name) }),
  }),
  route({
    operationId: 'createPerson',
    method: 'post',
    path: '/organization/people',
    summary: 'Add a person to the organization, optionally as its administrator or coordinator (coordinates every campaign of the organization).',
    tag: 'access',
    action: 'createPerson',
    body: personBody,
    response: { status: 201, description: 'the person', schema: personSchema },
    errors: [400, ...SECURED, 409, 413],
    handle: async ({ body, principal, people }) => {
      try {
        return { body: await people.createPerson({ organizationId: organizationOf(principal), displayName: body.displayName, roles: body.roles, createdBy: principal.subject }) };
      } catch (err) {
        if ((err as { code?: string }).code === FOREIGN_KEY_VIOLATION) throw new ApiError(409, 'no-organization', '请先保存机构 (save the organization first: POST /organization)');
        throw err;
      }
    },
  }),
  route({
    operationId: 'readPerson',
    method: 'get',
    path: '/organization/people/:personId',
    summary: 'A person of the organization with the roles they hold in campaigns and their tokens (never a secret).',
    tag: 'access',
    action: 'readPerson',
    params: personParams,
    response: { status: 200, description: 'the person', schema: personDetailSchema },
    errors: [...SECURED, 404],
    handle: async ({ params, principal, people }) => {
      const person = await ownPerson(people, principal, params.personId);
      const [memberships, tokens] = await Promise.all([people.memberships(person.personId), people.tokens(person.organizationId, person.personId)]);
      return { body: { ...person, memberships, tokens } };
    },
  }),
  route({
    operationId: 'issueToken',
    method: 'post',
    path: '/organization/people/:personId/tokens',
    summary: 'Issue an API token for a person of the organization, with a name and an expiry; the secret is in this answer only.',
    tag: 'access',
    action: 'issueToken',
    params: personParams,
    body: tokenBody,
    response: { status: 201, description: 'the token, with its secret', schema: issuedTokenSchema },
    errors: [400, ...SECURED, 404, 413],
    handle: async ({ params, body, principal, people }) => {
      await ownPerson(people, principal, params.personId);
      const { token, record } = await people.issueToken({ personId: params.personId, name: body.name, expiresAt: new Date(body.expiresAt), createdBy: principal.subject });
      return { body: { ...record, token } };
    },
  }),
  route({
    operationId: 'revokeToken',
    method: 'post',
    path: '/organization/tokens/:tokenId/revoke',
    summary: 'Revoke a token of one of the organization’s people: refused from the next request on.',
    tag: 'access',
    action: 'revokeToken',
    params: tokenParams,
    response: { status: 200, description: 'the token, revoked', schema: tokenRecordSchema },
    errors: [...SECURED, 404],
    handle: async ({ params, principal, people }) => {
      const record = await people.revokeToken(organizationOf(principal), params.tokenId, principal.subject);
      if (!record) throw new ApiError(404, 'not-found', `本机构没有令牌 ${params.tokenId} (no token ${params.tokenId} in your organization)`);
      return { body: record };
    },
  }),
  route({
    operationId: 'issueSignInLink',
    method: 'post',
    path: '/organization/people/:personId/sign-in-links',
    summary: 'A one-time console sign-in link for a person of the organization, valid for some minutes (15 by default, at most 60).',
    tag: 'access',
    action: 'issueSignInLink',
    params: personParams,
    body: signInLinkBody,
    response: { status: 201, description: 'the link, with its secret', schema: signInLinkSchema },
    errors: [400, ...SECURED, 404, 413],
    handle: async ({ params, body, principal, people }) => {
      await ownPerson(people, principal, params.personId);
      const { secret, linkId, expiresAt } = await people.issueSignInLink({ personId: params.personId, expiresAt: new Date(Date.now() + body.minutes * 60_000), createdBy: principal.subject });
      return { body: { linkId, link: secret, expiresAt } };
    },
  }),
  route({
    operationId: 'listMembers',
    method: 'get',
    path: '/campaigns/:campaignId/members',
    summary: 'Who holds which of the plan’s roles in one of the organization’s campaigns.',
    tag: 'access',
    action: 'listMembers',
    params: campaignParams,
    response: { status: 200, description: 'the members', schema: membersSchema },
    errors: [...SECURED, 404],
    handle: async ({ params, people }) => ({ body: { members: await people.members(params.campaignId) } }),
  }),
  route({
    operationId: 'grantMembership',
    method: 'post',
    path: '/campaigns/:campaignId/members',
    summary: 'Let a person of the organization act as the plan’s coordinator, one of its reviewers or one of its units in this campaign (several people may share one).',
    tag: 'access',
    action: 'grantMembership',
    params: campaignParams,
    body: memberBody,
    response: { status: 201, description: 'the membership', schema: membershipSchema.extend({ personId: z.string() }) },
    errors: [...WRITE.filter((s) => s !== 409 && s !== 503)],
    handle: async ({ params, body, principal, people }) => {
      await ownPerson(people, principal, body.personId);
      if (!(await people.planNames(params.campaignId, body.role, body.subject))) {
        throw new ApiError(422, 'not-in-plan', `活动计划中没有此身份 (the campaign’s plan names no ${body.role} ${body.subject})`);
      }
      await people.grantMembership({ ...params, ...body, grantedBy: principal.subject });
      return { body: { campaignId: params.campaignId, ...body } };
    },
  }),
  route({
    operationId: 'revokeMembership',
    method: 'post',
    path: '/campaigns/:campaignId/members/revoke',
    summary: 'Take a role in this campaign away from a person: refused from the next request on.',
    tag: 'access',
    action: 'revokeMembership',
    params: campaignParams,
    body: memberBody,
    response: { status: 200, description: 'the membership, removed', schema: membershipSchema.extend({ personId: z.string() }) },
    errors: [400, ...SECURED, 404, 413],
    handle: async ({ params, body, people }) => {
      if (!(await people.revokeMembership({ ...params, ...body }))) throw new ApiError(404, 'not-found', `没有此成员身份 (no such membership)`);
      return { body: { campaignId: params.campaignId, ...body } };
    },
  }),
];
