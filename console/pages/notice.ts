import type { z } from 'zod';
import type { noticeSchema } from '../../api/schemas';
import { html, type Html } from '../html';
import { localTime } from '../i18n';
import { csrfField, field, keyField, notice, page, type PageContext } from '../layout';

// The public notice (公示) as anyone with the link reads it on a phone: the roster, names masked,
// the objections by number and outcome, and the form to object (missed or ineligible household).

export type Notice = z.output<typeof noticeSchema>;

export function noticePage(ctx: PageContext, o: { token: string; notice: Notice; timeZone: string; done?: string; error?: { message: string; field?: string }; values: Record<string, string>; key: string; categoryName: (id: string) => string }): Html {
  const { say, lang } = ctx;
  const n = o.notice;
  const v = o.values;
  const kind = v.kind ?? 'ineligible-household';
  const errorFor = (name: string) => (o.error?.field === name ? o.error.message : undefined);
  const body = html`
<p>${say('公示截止', 'Open until')}: <strong>${localTime(n.cutoff, o.timeZone, lang)}</strong></p>
${o.done ? notice('done', o.done) : ''}
<div class="scroll"><table><caption>${say(`拟慰问对象 ${n.entries.length} 户`, `${n.entries.length} households proposed`)}</caption>
<thead><tr><th scope="col" class="num">${say('序号', 'No.')}</th><th scope="col">${say('户主', 'Head')}</th><th scope="col">${say('类别', 'Category')}</th><th scope="col" class="num">${say('金额(元)', 'CNY')}</th></tr></thead>
<tbody>${n.entries.map((e) => html`<tr><td class="num">${e.entry}</td><td>${e.maskedName}</td><td>${o.categoryName(e.category)}</td><td class="num">${e.amount}</td></tr>`)}</tbody></table></div>
${n.objections.length ? html`<h2>${say('已收到的异议', 'Objections received')}</h2><ul class="plain">${n.objections.map((x) => html`<li>${say(`第 ${x.number} 号`, `No. ${x.number}`)} · ${x.kind === 'missed-household' ? say('漏报', 'missed household') : say('不符合条件', 'ineligible')}${x.entry ? ` · ${say('序号', 'entry')} ${x.entry}` : ''} · ${x.outcome ? (x.outcome === 'uphold' ? say('已采纳', 'upheld') : say('未采纳', 'dismissed')) : say('处理中', 'open')}</li>`)}</ul>` : ''}
<h2>${say('提出异议', 'Object')}</h2>
<p class="hint">${say('不需要登记姓名。', 'You need not give your name.')}</p>
<form method="post" action="/console/notices/${o.token}/objections" novalidate>${csrfField(ctx)}${keyField(o.key)}
${o.error && !o.error.field ? notice('error', o.error.message) : ''}
<fieldset><legend>${say('异议类型', 'Kind')}</legend>
<div><input type="radio" id="kind-ineligible" name="kind" value="ineligible-household" ${kind === 'ineligible-household' ? html`checked` : ''}><label for="kind-ineligible">${say('名单中有不符合条件的户', 'A listed household does not qualify')}</label></div>
<div><input type="radio" id="kind-missed" name="kind" value="missed-household" ${kind === 'missed-household' ? html`checked` : ''}><label for="kind-missed">${say('有符合条件的户被漏报', 'A qualifying household was missed')}</label></div>
</fieldset>
${field({ name: 'entry', label: say('序号(针对名单中的户时填写)', 'Entry number (for a listed household)'), type: 'number', value: v.entry, error: errorFor('entry'), attrs: html`inputmode="numeric" min="1"` })}
${field({ name: 'statement', label: say('异议内容', 'What you report'), value: v.statement, error: errorFor('statement'), textarea: true, required: true })}
<button type="submit">${say('提交异议', 'Send the objection')}</button></form>`;
  return page(ctx, `${n.unitName} · ${say('公示', 'Public notice')}`, body);
}
