import type { z } from 'zod';
import type { campaignStateSchema, unitSummarySchema } from '../../api/schemas';
import { PHASE_NAMES, type CampaignPlan, type PhaseName } from '../../domain/plan';
import { html, type Html } from '../html';
import { localInputValue, localTime, phaseName, STATUS_WORDS, statusName } from '../i18n';
import { csrfField, field, keyField, notice, page, type PageContext } from '../layout';

// The coordinator's board: a picture of the campaign (units × phases, each cell its status), who
// is overdue, what awaits review and sign-off, and the actions. The picture and the lists reload
// every few seconds (htmx), the forms below them do not, so nothing typed is lost.

export type CampaignState = z.output<typeof campaignStateSchema>;
export type UnitSummary = z.output<typeof unitSummarySchema>;

export interface Board {
  campaign: CampaignState;
  plan: CampaignPlan;
  /** Each started phase's units, by unit id. */
  units: Partial<Record<PhaseName, Map<string, UnitSummary>>>;
  now: number;
  /** The urge route (催办) is in the API's table (it comes with the channels work): offer the button. */
  canUrge: boolean;
}

const LIVE_EVERY = '3s';

const cellStatus = (board: Board, phase: PhaseName, unitId: string): string => board.units[phase]?.get(unitId)?.status ?? (board.campaign.excluded.some((e) => e.unitId === unitId && PHASE_NAMES.indexOf(e.forfeitedIn) < PHASE_NAMES.indexOf(phase)) ? 'not-taking-part' : 'scheduled');

export function boardLive(ctx: PageContext, board: Board): Html {
  const { say, lang } = ctx;
  const tz = board.plan.timezone;
  const all = PHASE_NAMES.flatMap((phase) => [...(board.units[phase]?.values() ?? [])].map((u) => ({ phase, ...u })));
  const overdue = all.filter((u) => u.status === 'forfeited' || ((u.status === 'open' || u.status === 'rejected') && Date.parse(u.cutoff) < board.now));
  const awaitingReview = all.filter((u) => u.status === 'submitted');
  const awaitingSignOff = board.campaign.phases.filter((p) => p.status === 'awaiting-sign-off');
  const notIn = all.filter((u) => u.phase === board.campaign.currentPhase && (u.status === 'open' || u.status === 'rejected') && Date.parse(u.cutoff) >= board.now);
  const legend = ['scheduled', 'open', 'submitted', 'rejected', 'approved', 'forfeited'];
  return html`<div id="live" hx-get="/console/campaigns/${board.campaign.campaignId}/live" hx-trigger="every ${LIVE_EVERY}" hx-swap="outerHTML">
<p>${say('状态', 'Status')}: <strong>${statusName(board.campaign.status, say)}</strong>${board.campaign.currentPhase ? html` · ${say('当前', 'now')}: ${phaseName(board.campaign.currentPhase, say)}` : ''}</p>
<h2>${say('进度图', 'Picture')}</h2>
<ul class="legend" aria-label="${say('图例', 'Legend')}">${legend.map((s) => html`<li class="st-${s}">${say(...STATUS_WORDS[s]!)}</li>`)}</ul>
<div class="scroll"><table class="board-table" id="board-picture">
<caption class="hint">${say('单位 × 阶段,每格为该单位在该阶段的状态', 'Units × phases; each cell is the unit’s status in that phase')}</caption>
<thead><tr><th scope="col">${say('单位', 'Unit')}</th>${board.campaign.phases.map((p) => html`<th scope="col">${phaseName(p.name, say)}<br><span class="hint">${statusName(p.status, say)} · ${say('截止', 'cutoff')} ${localTime(p.cutoff, tz, lang)}</span></th>`)}</tr></thead>
<tbody>${board.plan.units.map((u) => html`<tr><th scope="row">${u.name}</th>${PHASE_NAMES.map((phase) => {
    const status = cellStatus(board, phase, u.id);
    return html`<td class="st-${status}" data-unit="${u.id}" data-phase="${phase}" data-status="${status}">${statusName(status, say)}</td>`;
  })}</tr>`)}</tbody></table></div>
<div class="columns">
<section class="card" aria-labelledby="h-overdue"><h2 id="h-overdue">${say('逾期', 'Overdue')} (${overdue.length})</h2>
${overdue.length ? html`<ul class="plain">${overdue.map((u) => html`<li>${u.unitName} · ${phaseName(u.phase, say)} · ${statusName(u.status, say)} · ${say('截止', 'cutoff')} ${localTime(u.cutoff, tz, lang)}</li>`)}</ul>` : html`<p>${say('无', 'None')}</p>`}</section>
<section class="card" aria-labelledby="h-review"><h2 id="h-review">${say('待审核', 'Awaiting review')} (${awaitingReview.length})</h2>
${awaitingReview.length ? html`<ul class="plain">${awaitingReview.map((u) => html`<li>${u.unitName} · ${phaseName(u.phase, say)} · ${say('审核人', 'reviewer')} ${u.supervisor}</li>`)}</ul>` : html`<p>${say('无', 'None')}</p>`}</section>
<section class="card" aria-labelledby="h-waiting"><h2 id="h-waiting">${say('未报送', 'Not yet in')} (${notIn.length})</h2>
${notIn.length ? html`<ul class="plain">${notIn.map((u) => html`<li>${u.unitName} · ${say('截止', 'cutoff')} ${localTime(u.cutoff, tz, lang)}${board.canUrge ? html` <form method="post" action="/console/campaigns/${board.campaign.campaignId}/phases/${u.phase}/units/${u.unitId}/urge" class="inline">${csrfField(ctx)}<button type="submit" class="secondary">${say('催办', 'Urge')}<span class="visually-hidden"> ${u.unitName}</span></button></form>` : ''}</li>`)}</ul>` : html`<p>${say('无', 'None')}</p>`}</section>
<section class="card" aria-labelledby="h-signoff"><h2 id="h-signoff">${say('待签批', 'Awaiting sign-off')} (${awaitingSignOff.length})</h2>
${awaitingSignOff.length ? html`<ul class="plain">${awaitingSignOff.map((p) => html`<li>${phaseName(p.name, say)} · ${say(`通过 ${p.approved} / 参与 ${p.participants}`, `${p.approved} of ${p.participants} approved`)}</li>`)}</ul>` : html`<p>${say('无', 'None')}</p>`}</section>
</div>
</div>`;
}

export interface BoardForms {
  done?: string;
  error?: { form: string; message: string; field?: string };
  values: Record<string, string>;
  key: string;
}

const options = (items: { value: string; label: string }[], chosen: string | undefined) => items.map((i) => html`<option value="${i.value}" ${i.value === chosen ? html`selected` : ''}>${i.label}</option>`);

function select(name: string, label: string, items: { value: string; label: string }[], chosen: string | undefined, error?: string): Html {
  const id = `f-${name}`;
  return html`<div class="field${error ? ' has-error' : ''}"><label for="${id}">${label}</label><select id="${id}" name="${name}" ${error ? html`aria-invalid="true" aria-describedby="${id}-error"` : ''}>${options(items, chosen)}</select>${error ? html`<div class="error" id="${id}-error">${error}</div>` : ''}</div>`;
}

export function boardPage(ctx: PageContext, board: Board, forms: BoardForms): Html {
  const { say } = ctx;
  const id = board.campaign.campaignId;
  const v = forms.values;
  const errorFor = (form: string, name: string) => (forms.error?.form === form && forms.error.field === name ? forms.error.message : undefined);
  const formError = (form: string) => (forms.error?.form === form && !forms.error.field ? notice('error', forms.error.message) : '');
  const phases = PHASE_NAMES.map((p) => ({ value: p, label: phaseName(p, say) }));
  const units = board.plan.units.map((u) => ({ value: u.id, label: u.name }));
  const excluded = board.campaign.excluded.map((e) => ({ value: e.unitId, label: board.plan.units.find((u) => u.id === e.unitId)?.name ?? e.unitId }));
  const cutoffDefault = v.cutoff ?? localInputValue(board.campaign.phases.find((p) => p.name === (board.campaign.currentPhase ?? 'preparation'))?.cutoff ?? new Date(board.now).toISOString(), board.plan.timezone);
  const body = html`
<p><a href="/console/campaigns/${id}/report">${say('汇总上报与图表', 'Upward report and charts')}</a></p>
${forms.done ? notice('done', forms.done) : ''}
${boardLive(ctx, board)}
<h2>${say('操作', 'Actions')}</h2>
<div class="columns">
<form class="card" method="post" action="/console/campaigns/${id}/extend" novalidate><h3>${say('延长截止时间', 'Extend a cutoff')}</h3>${csrfField(ctx)}${keyField(forms.key)}
${formError('extend')}
${select('unitId', say('单位', 'Unit'), units, v.unitId)}
${select('phase', say('阶段', 'Phase'), phases, v.phase)}
${field({ name: 'cutoff', label: say(`新的截止时间(${board.plan.timezone} 时间)`, `New cutoff (${board.plan.timezone} time)`), type: 'datetime-local', value: cutoffDefault, error: errorFor('extend', 'cutoff'), required: true })}
${field({ name: 'reason', label: say('理由', 'Reason'), value: forms.error?.form === 'extend' ? v.reason : '', error: errorFor('extend', 'reason'), required: true })}
<button type="submit">${say('延长', 'Extend')}</button></form>
<form class="card" method="post" action="/console/campaigns/${id}/sign-off" novalidate><h3>${say('阶段签批', 'Sign off a phase')}</h3>${csrfField(ctx)}${keyField(forms.key)}
${formError('sign-off')}
${select('phase', say('阶段', 'Phase'), phases, v.phase ?? board.campaign.phases.find((p) => p.status === 'awaiting-sign-off')?.name)}
${field({ name: 'note', label: say('签批意见(可不填)', 'Note (optional)'), value: forms.error?.form === 'sign-off' ? v.note : '', error: errorFor('sign-off', 'note') })}
<button type="submit">${say('签批', 'Sign off')}</button></form>
${excluded.length
  ? html`<form class="card" method="post" action="/console/campaigns/${id}/reinstate" novalidate><h3>${say('恢复单位', 'Reinstate a unit')}</h3>${csrfField(ctx)}${keyField(forms.key)}
${formError('reinstate')}
${select('unitId', say('逾期放弃的单位', 'Unit that forfeited'), excluded, v.unitId)}
${field({ name: 'reason', label: say('理由', 'Reason'), value: forms.error?.form === 'reinstate' ? v.reason : '', error: errorFor('reinstate', 'reason'), required: true })}
<button type="submit">${say('恢复', 'Reinstate')}</button></form>`
  : ''}
<form class="card" method="post" action="/console/campaigns/${id}/cancel" novalidate><h3>${say('取消活动', 'Cancel the campaign')}</h3>${csrfField(ctx)}${keyField(forms.key)}
${formError('cancel')}
${field({ name: 'reason', label: say('取消理由', 'Reason for cancelling'), value: forms.error?.form === 'cancel' ? v.reason : '', error: errorFor('cancel', 'reason'), required: true })}
<button type="submit" class="secondary">${say('取消活动', 'Cancel the campaign')}</button></form>
</div>`;
  return page(ctx, `${board.campaign.title}`, body, { wide: true });
}
