import { z } from 'zod';
import { recipientChannelSchema } from '../domain/channel';
import { idSchema, instantSchema, LOCALES } from '../domain/plan';
import type { NotificationDispatcher } from '../activities/dispatcher';
import type { Records } from '../store/records';
import { substituteActor } from './access';
import { ApiError } from './errors';
import { route, SECURED, WRITE, type Route } from './routes';
import { campaignParams } from './schemas';

// Who stands in, and who is urged: a reviewer's substitute for a period (出差, 休假) and the
// coordinator's or supervisor's immediate reminder to a unit (催办). Both are on the audit trail.

/** What these routes need beyond the campaigns: the record's routing store and the notification dispatcher. */
export interface NotificationDesk {
  records: Pick<Records, 'nameSubstitute' | 'revokeSubstitute' | 'substitutes' | 'isColleague' | 'recordUrge'>;
  dispatch: NotificationDispatcher['dispatchNotification'];
}

const text = (max: number) => z.string().trim().min(1).max(max);

export const reviewerParams = campaignParams.extend({ reviewerId: idSchema });
export const substitutionParams = reviewerParams.extend({ substitutionId: z.string().min(1).max(300) });
const unitParams = campaignParams.extend({ unitId: idSchema });

export const substituteBody = z
  .object({
    /** The colleague (a person of the campaign's organization) who stands in. */
    personId: z.string().min(1).max(100),
    from: instantSchema,
    until: instantSchema,
    reason: text(200),
    /** How the substitute is told meanwhile: a channel, and English on request. */
    notify: z.object({ channel: recipientChannelSchema, locale: z.enum(LOCALES).optional() }),
  })
  .refine((b) => Date.parse(b.until) > Date.parse(b.from), { path: ['until'], message: 'until must be after from' });

const substitutionSchema = z.object({
  substitutionId: z.string(),
  campaignId: z.string(),
  reviewerId: z.string(),
  personId: z.string(),
  notify: z.object({ channel: z.object({ type: z.string() }).loose(), locale: z.enum(LOCALES).optional() }),
  from: z.string(),
  until: z.string(),
  reason: z.string(),
  namedBy: z.string(),
  namedAt: z.string(),
  revokedBy: z.string().optional(),
  revokedAt: z.string().optional(),
});

export const urgeBody = z.object({
  /** What the unit is asked to do, as its supervisor would say it; it reaches the unit as written, so it names no household. */
  note: text(500),
});

const urgedSchema = z.object({ notificationId: z.string(), phase: z.string().optional(), at: z.string() });

export const delegationRoutes: Route[] = [
  route({
    operationId: 'nameSubstitute',
    method: 'post',
    path: '/campaigns/:campaignId/reviewers/:reviewerId/substitutes',
    summary: 'Name a substitute for a reviewer for a period (出差, 休假): meanwhile the substitute may review and receives the reviewer’s reminders and escalations.',
    tag: 'access',
    action: 'nameSubstitute',
    params: reviewerParams,
    body: substituteBody,
    response: { status: 201, description: 'the substitution', schema: substitutionSchema },
    errors: WRITE,
    handle: async ({ params, body, caller, campaigns, notifications }) => {
      const plan = await campaigns.plan(params.campaignId);
      if (!plan.reviewers.some((r) => r.id === params.reviewerId)) throw new ApiError(404, 'reviewer-not-found', `活动中没有审核人 ${params.reviewerId} (no reviewer ${params.reviewerId} in campaign ${params.campaignId})`);
      if (!(await notifications.records.isColleague(params.campaignId, body.personId))) {
        throw new ApiError(422, 'not-a-colleague', `代理人须是本单位人员 (person ${body.personId} is not in the campaign's organization)`);
      }
      const substitution = await notifications.records.nameSubstitute({
        substitutionId: `substitute:${caller.requestId}`, campaignId: params.campaignId, reviewerId: params.reviewerId, personId: body.personId, notify: body.notify,
        from: new Date(body.from).toISOString(), until: new Date(body.until).toISOString(), reason: body.reason, namedBy: caller.principal.subject, namedAt: caller.receivedAt,
      });
      return { body: substitution };
    },
  }),
  route({
    operationId: 'listSubstitutes',
    method: 'get',
    path: '/campaigns/:campaignId/reviewers/:reviewerId/substitutes',
    summary: 'A reviewer’s substitutions, past, present and to come, revoked ones included.',
    tag: 'access',
    action: 'listSubstitutes',
    params: reviewerParams,
    response: { status: 200, description: 'the substitutions', schema: z.object({ substitutes: z.array(substitutionSchema) }) },
    errors: [...SECURED, 404],
    handle: async ({ params, notifications }) => ({ body: { substitutes: await notifications.records.substitutes(params.campaignId, params.reviewerId) } }),
  }),
  route({
    operationId: 'revokeSubstitute',
    method: 'delete',
    path: '/campaigns/:campaignId/reviewers/:reviewerId/substitutes/:substitutionId',
    summary: 'End a substitution now (the reviewer is back early); it stays on the record as revoked.',
    tag: 'access',
    action: 'revokeSubstitute',
    params: substitutionParams,
    response: { status: 200, description: 'the substitution, revoked', schema: substitutionSchema },
    errors: [...SECURED, 404],
    handle: async ({ params, caller, notifications }) => {
      const revoked = await notifications.records.revokeSubstitute({ ...params, actor: caller.principal.subject, at: caller.receivedAt });
      if (!revoked) throw new ApiError(404, 'substitution-not-found', `没有该代理安排 (no substitution ${params.substitutionId} for reviewer ${params.reviewerId})`);
      return { body: revoked };
    },
  }),
  route({
    operationId: 'urgeUnit',
    method: 'post',
    path: '/campaigns/:campaignId/units/:unitId/urge',
    summary: 'Send a unit an immediate reminder with a note (催办), on its channel; recorded on its record and the audit trail.',
    tag: 'units',
    action: 'urgeUnit',
    params: unitParams,
    body: urgeBody,
    response: { status: 201, description: 'the reminder, recorded and handed to its delivery', schema: urgedSchema },
    errors: WRITE,
    handle: async ({ params, body, caller, principal, campaigns, notifications }) => {
      const [plan, campaign] = await Promise.all([campaigns.plan(params.campaignId), campaigns.campaign(params.campaignId)]);
      const unit = plan.units.find((u) => u.id === params.unitId)!;
      const phase = campaign.currentPhase;
      const unitPhase = phase ? await campaigns.unitPhase(params.campaignId, phase, unit.id).catch(() => undefined) : undefined;
      // Signed as the unit's supervisor when the caller acts as it (itself or as its substitute), else as the coordinator.
      const supervisor = plan.reviewers.find((r) => r.id === unit.supervisor)!;
      const asSupervisor = caller.principal.subject === substituteActor(principal.subject, supervisor.id) || principal.memberships.some((m) => m.role === 'reviewer' && m.subject === supervisor.id);
      const id = `urge:${caller.requestId}`;
      await notifications.records.recordUrge({ campaignId: plan.id, unitId: unit.id, phase, requestId: caller.requestId, actor: caller.principal.subject, at: caller.receivedAt, note: body.note });
      await notifications.dispatch({
        category: 'reminder',
        notification: {
          id, kind: 'unit-urged', campaignId: plan.id, phase, unitId: unit.id,
          recipient: { role: 'unit', id: unit.id, webhook: unit.notify.webhook },
          timeZone: plan.timezone, occurredAt: caller.receivedAt,
          data: { campaignTitle: plan.title, unitName: unit.name, phase, cutoff: unitPhase?.status === 'open' ? unitPhase.cutoff : undefined, urgedBy: asSupervisor ? supervisor.name : plan.coordinator.name, note: body.note },
        },
      });
      return { body: { notificationId: id, phase, at: caller.receivedAt } };
    },
  }),
];
