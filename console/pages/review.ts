import type { z } from 'zod';
import type { unitPhaseStateSchema } from '../../api/schemas';
import type { PhaseName } from '../../domain/plan';
import { html, type Html } from '../html';
import { localTime, phaseName, statusName, timeLeft } from '../i18n';
import { csrfField, field, keyField, notice, page, type PageContext } from '../layout';
import type { RosterLine } from '../reads';

// The reviewer's queue (sorted by when each is due) and one submission: approve, reject with a
// reason, or strike single entries (不符合条件的予以删减), each with the reason given.

export type UnitPhaseState = z.output<typeof unitPhaseStateSchema>;

export interface QueueItem {
  campaignId: string;
  title: string;
  phase: PhaseName;
  unitId: string;
  unitName: string;
  due: string;
  timeZone: string;
}

export function queuePage(ctx: PageContext, items: QueueItem[], now: number): Html {
  const { say, lang } = ctx;
  const body = items.length
    ? html`<table><thead><tr><th scope="col">${say('审核期限', 'Due')}</th><th scope="col">${say('活动', 'Campaign')}</th><th scope="col">${say('阶段', 'Phase')}</th><th scope="col">${say('单位', 'Unit')}</th><th scope="col"></th></tr></thead><tbody>
${items.map((i) => html`<tr><td>${localTime(i.due, i.timeZone, lang)}<br><span class="hint">${timeLeft(i.due, now, say)}</span></td><td>${i.title}</td><td>${phaseName(i.phase, say)}</td><td>${i.unitName}</td>
<td><a href="/console/campaigns/${i.campaignId}/phases/${i.phase}/units/${i.unitId}/review">${say('审核', 'Review')}<span class="visually-hidden"> ${i.unitName}</span></a></td></tr>`)}</tbody></table>`
    : html`<p>${say('目前没有待审核的报送。', 'Nothing awaits your review.')}</p>`;
  return page(ctx, say('审核队列', 'Review queue'), body);
}

export interface ReviewForms {
  done?: string;
  error?: { form: 'strike' | 'approve' | 'reject'; message: string; field?: string };
  values: Record<string, string | string[]>;
  key: string;
}

export function reviewPage(ctx: PageContext, o: { state: UnitPhaseState; roster: RosterLine[]; timeZone: string; forms: ReviewForms; standardName: (id: string) => string; sourceName: (id: string) => string }): Html {
  const { say, lang } = ctx;
  const { state, forms } = o;
  const base = `/console/campaigns/${state.campaignId}/phases/${state.phase}/units/${state.unitId}`;
  const last = state.submissions[state.submissions.length - 1];
  const checked = new Set([forms.values.entry ?? []].flat());
  const errorOf = (form: string, name?: string) => (forms.error?.form === form && forms.error.field === name ? forms.error.message : undefined);
  const value = (name: string) => { const v = forms.values[name]; return Array.isArray(v) ? v[0] : v; };
  const awaiting = state.status === 'submitted';
  const body = html`
${forms.done ? notice('done', forms.done) : ''}
<p>${phaseName(state.phase, say)} · ${say('状态', 'status')} <strong id="unit-status">${statusName(state.status, say)}</strong> · ${say('截止', 'cutoff')} ${localTime(state.cutoff, o.timeZone, lang)}</p>
${last ? html`<p>${say(`第 ${last.number} 次报送`, `Submission ${last.number}`)} · ${localTime(last.receivedAt, o.timeZone, lang)} · ${last.report}</p>` : html`<p>${say('尚未报送。', 'Nothing submitted yet.')}</p>`}
${o.roster.length
  ? html`<h2>${say('名册(姓名已遮挡)', 'Roster (names masked)')}</h2>
<form method="post" action="${base}/strikes" novalidate>${csrfField(ctx)}${keyField(forms.key)}
${errorOf('strike') ? notice('error', errorOf('strike')) : ''}
<fieldset ${errorOf('strike', 'entry') ? html`aria-describedby="strike-entry-error"` : ''}><legend>${say('勾选不符合条件的户,予以删减', 'Tick the households that do not qualify, to strike them')}</legend>
${errorOf('strike', 'entry') ? html`<div class="error" id="strike-entry-error">${errorOf('strike', 'entry')}</div>` : ''}
<div class="scroll"><table><thead><tr><th scope="col">${say('删减', 'Strike')}</th><th scope="col" class="num">${say('序号', 'Entry')}</th><th scope="col">${say('户主', 'Head')}</th><th scope="col">${say('类别', 'Category')}</th><th scope="col" class="num">${say('金额(元)', 'Amount (CNY)')}</th><th scope="col">${say('物资', 'Goods')}</th><th scope="col">${say('资金来源', 'Source')}</th></tr></thead><tbody>
${o.roster.map((r) => html`<tr${r.struck ? html` class="st-rejected"` : ''}><td>${r.struck ? html`${say('已删减', 'struck')}: ${r.struck}` : awaiting ? html`<input type="checkbox" name="entry" value="${r.entry}" id="strike-${r.entry}" ${checked.has(String(r.entry)) ? html`checked` : ''} aria-label="${say(`删减第 ${r.entry} 户`, `strike entry ${r.entry}`)}">` : ''}</td>
<td class="num">${r.entry}</td><td>${r.maskedName}</td><td>${o.standardName(r.category)}</td><td class="num">${r.amount}</td><td>${r.goods ?? ''}</td><td>${o.sourceName(r.fundingSource)}</td></tr>`)}
</tbody></table></div></fieldset>
${awaiting ? html`${field({ name: 'strikeReason', label: say('删减理由', 'Reason for striking'), value: value('strikeReason'), error: errorOf('strike', 'reason'), required: true, hint: say('例:经入户核实不符合条件', 'e.g. found ineligible on a home visit') })}
<button type="submit" class="secondary">${say('删减所选', 'Strike the ticked entries')}</button>` : ''}
</form>`
  : ''}
${awaiting
  ? html`<h2>${say('审核结论', 'Decision')}</h2>
<div class="columns">
<form class="card" method="post" action="${base}/decision" novalidate>${csrfField(ctx)}${keyField(forms.key)}<input type="hidden" name="decision" value="approve">
${errorOf('approve') ? notice('error', errorOf('approve')) : ''}
${field({ name: 'approveNote', label: say('意见(可不填)', 'Note (optional)'), value: value('approveNote') })}
<button type="submit">${say('审核通过', 'Approve')}</button></form>
<form class="card" method="post" action="${base}/decision" novalidate>${csrfField(ctx)}${keyField(forms.key)}<input type="hidden" name="decision" value="reject">
${errorOf('reject') ? notice('error', errorOf('reject')) : ''}
${field({ name: 'rejectReason', label: say('退回理由', 'Reason for rejecting'), value: value('rejectReason'), error: errorOf('reject', 'reason'), required: true, textarea: true })}
<button type="submit" class="secondary">${say('退回修改', 'Reject')}</button></form>
</div>`
  : ''}
<p><a href="/console/reviews">${say('返回审核队列', 'Back to the queue')}</a></p>`;
  return page(ctx, `${state.unitName} · ${say('审核', 'Review')}`, body, { wide: true });
}
