import type { Principal } from '../../api/access';
import { html, type Html } from '../html';
import { statusName } from '../i18n';
import { page, type PageContext } from '../layout';
import type { UnitPlace } from '../reads';

// The start page: what this person can do, by the roles it holds.

export interface ListedCampaign {
  campaignId: string;
  organizer?: string;
  status?: string;
}

export function homePage(ctx: PageContext, principal: Principal, o: { campaigns: ListedCampaign[]; units: UnitPlace[] }): Html {
  const { say } = ctx;
  const reviewer = principal.memberships.some((m) => m.role === 'reviewer');
  const body = html`
${principal.coordinator ? html`<p><a class="button" href="/console/campaigns/new">${say('上传方案,开始活动', 'Start a campaign from a plan')}</a></p>` : ''}
${reviewer ? html`<p><a class="button secondary" href="/console/reviews">${say('我的审核队列', 'My review queue')}</a></p>` : ''}
${o.campaigns.length
  ? html`<h2>${say('活动', 'Campaigns')}</h2>
<table><thead><tr><th scope="col">${say('活动', 'Campaign')}</th><th scope="col">${say('牵头单位', 'Organizer')}</th><th scope="col">${say('状态', 'Status')}</th></tr></thead><tbody>
${o.campaigns.map((c) => html`<tr><td><a href="/console/campaigns/${c.campaignId}">${c.campaignId}</a></td><td>${c.organizer ?? ''}</td><td>${statusName(c.status, say)}</td></tr>`)}
</tbody></table>`
  : ''}
${o.units.length
  ? html`<h2>${say('我的单位', 'My units')}</h2><ul class="plain">
${o.units.map((u) => html`<li><a href="/console/campaigns/${u.campaignId}/units/${u.unitId}">${u.title} · ${u.unitName}</a></li>`)}</ul>`
  : ''}
${!o.campaigns.length && !o.units.length && !principal.coordinator ? html`<p>${say('您目前没有可办理的活动。', 'You have no campaigns to work on yet.')}</p>` : ''}`;
  return page(ctx, say('首页', 'Start'), body);
}
