import type { z } from 'zod';
import type { unitViewSchema } from '../../api/schemas';
import type { PhaseName } from '../../domain/plan';
import { html, type Html } from '../html';
import { localTime, phaseName, statusName, timeLeft } from '../i18n';
import { csrfField, field, keyField, notice, page, type PageContext } from '../layout';
import { fileLink } from './report';

// The unit clerk's page: each phase with its cutoff in local time and the time left; in the phase
// that is open, what to hand in: the roster as the template's file (every bad row shown with its
// problem), a report, the visits as a file; the printable signed roster and the notice link.

export type UnitView = z.output<typeof unitViewSchema>;

export interface FileProblem {
  row: number;
  column?: string;
  message: string;
  messageEn?: string;
}

export interface UnitForms {
  done?: string;
  error?: { phase: PhaseName; form: 'roster' | 'report' | 'visits'; message: string; problems?: FileProblem[]; field?: string };
  values: Record<string, string>;
  key: string;
}

const canSubmit = (status: string | undefined) => status === 'open' || status === 'rejected';

export function unitPage(ctx: PageContext, o: { view: UnitView; title: string; timeZone: string; noticePath?: string; hasRules: boolean; now: number; forms: UnitForms }): Html {
  const { say, lang } = ctx;
  const { view, forms } = o;
  const id = view.campaignId;
  const unit = view.unitId;
  const unitName = view.phases.find((p) => p.state)?.state?.unitName ?? unit;
  const errorIn = (phase: PhaseName, form: string) => (forms.error?.phase === phase && forms.error.form === form ? forms.error : undefined);
  const problemsTable = (problems: FileProblem[]) => html`<div class="scroll"><table id="file-problems"><caption>${say('文件中有问题的行', 'Rows of the file with problems')}</caption><thead><tr><th scope="col" class="num">${say('行', 'Row')}</th><th scope="col">${say('列', 'Column')}</th><th scope="col">${say('问题', 'Problem')}</th></tr></thead>
<tbody>${problems.map((p) => html`<tr><td class="num">${p.row}</td><td>${p.column ?? ''}</td><td>${lang === 'en' && p.messageEn ? p.messageEn : p.message}</td></tr>`)}</tbody></table></div>`;
  const fileForm = (phase: PhaseName, form: 'roster' | 'visits', action: string, label: string, button: string) => {
    const error = errorIn(phase, form);
    return html`<form method="post" action="${action}" enctype="multipart/form-data">${csrfField(ctx)}${keyField(forms.key)}
${error ? (error.problems?.length ? html`${notice('error', say(`文件有 ${error.problems.length} 处问题,未作任何登记。请对照下表修改后重新上传:`, `The file has ${error.problems.length} problem(s); nothing was recorded. Mend the rows below and upload it again:`))}${problemsTable(error.problems)}` : notice('error', error.message)) : ''}
<div class="field${error ? ' has-error' : ''}"><label for="f-${form}-${phase}">${label}</label><input id="f-${form}-${phase}" name="file" type="file" accept=".xlsx,.csv" required ${error ? html`aria-invalid="true"` : ''}></div>
<button type="submit">${button}</button></form>`;
  };
  const reportForm = (phase: PhaseName, kind: string) => {
    const error = errorIn(phase, 'report');
    return html`<form method="post" action="/console/campaigns/${id}/phases/${phase}/units/${unit}/submit" novalidate>${csrfField(ctx)}${keyField(forms.key)}<input type="hidden" name="kind" value="${kind}">
${error && !error.field ? notice('error', error.message) : ''}
${field({ name: 'report', label: kind === 'summary-report' ? say('活动总结', 'Summary report') : kind === 'signed-roster' ? say('签字名册说明', 'Note on the signed roster') : say('情况报告', 'Report'), value: error ? forms.values.report : '', error: error?.field === 'report' ? error.message : undefined, textarea: true, required: true })}
<button type="submit">${say('报送', 'Submit')}</button></form>`;
  };
  const sections = view.phases.map(({ phase, participation, state }) => {
    const status = state?.status ?? participation;
    const open = canSubmit(state?.status);
    const roster = `/campaigns/${id}/phases/${phase}/units/${unit}/roster.pdf`;
    return html`<section class="card" aria-labelledby="h-${phase}" id="phase-${phase}"><h2 id="h-${phase}">${phaseName(phase, say)} · <span data-status="${status}">${statusName(status, say)}</span></h2>
${state ? html`<p>${say('截止', 'Cutoff')}: <strong>${localTime(state.cutoff, o.timeZone, lang)}</strong> (${o.timeZone}) · ${timeLeft(state.cutoff, o.now, say)}</p>` : ''}
${state?.reviews.length ? html`<p>${say('最近审核', 'Last review')}: ${state.reviews[state.reviews.length - 1]!.decision === 'approve' ? say('通过', 'approved') : say('退回', 'rejected')}${state.reviews[state.reviews.length - 1]!.reason ? html` · ${state.reviews[state.reviews.length - 1]!.reason}` : ''}</p>` : ''}
${state?.strikes.length ? html`<p>${say('被删减的户', 'Entries struck')}: ${state.strikes.flatMap((s) => s.entries.map((e) => `${e.entry} (${e.reason})`)).join(', ')}</p>` : ''}
${open && phase === 'preparation' && o.hasRules
  ? html`<p><a href="${fileLink(`/campaigns/${id}/units/${unit}/roster-template.xlsx`)}">${say('下载名册模板 (XLSX)', 'Download the roster template (XLSX)')}</a></p>
${fileForm(phase, 'roster', `/console/campaigns/${id}/units/${unit}/roster`, say('填好的名册文件(XLSX 或 CSV)', 'The filled roster (XLSX or CSV)'), say('上传并报送名册', 'Upload and submit the roster'))}`
  : ''}
${open && !(phase === 'preparation' && o.hasRules) ? reportForm(phase, state!.expects) : ''}
${state && phase === 'visiting' && (open || state.status === 'approved' || state.status === 'submitted')
  ? html`<p>${say(`已走访 ${state.visited} 户,已发放 ${state.paid} 元`, `${state.visited} households visited, ${state.paid} CNY paid`)}</p>
${fileForm(phase, 'visits', `/console/campaigns/${id}/units/${unit}/visits`, say('走访记录文件(XLSX 或 CSV,按名册序号)', 'Visits file (XLSX or CSV, by roster entry)'), say('批量登记走访', 'Record the visits'))}`
  : ''}
${state && (state.rosterSize > 0 || (state.status === 'approved' && state.submissions.some((s) => s.households))) ? html`<p><a class="print-roster" href="${fileLink(roster)}">${say('打印签字名册 (PDF)', 'Print the signed roster (PDF)')}</a></p>` : ''}
${phase === 'publicity' && o.noticePath ? html`<p>${say('公示链接', 'Notice link')}: <a href="${o.noticePath}">${say('查看公示', 'Open the notice')}</a></p>` : ''}
</section>`;
  });
  const body = html`${forms.done ? notice('done', forms.done) : ''}
<p>${o.title}</p>
<div class="phases">${sections}</div>`;
  return page(ctx, `${unitName} · ${say('我的阶段', 'My phases')}`, body, { wide: true });
}
