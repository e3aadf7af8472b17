import type { UpwardReport } from '../../domain/report';
import type { CampaignPlan } from '../../domain/plan';
import { instantAt } from '../../domain/calendar/time-zone';
import { barChart, coverageChart } from '../charts';
import { html, type Html } from '../html';
import { localTime } from '../i18n';
import { page, type PageContext } from '../layout';

// The upward report (汇总上报) as charts, with the downloads: CSV from the API, XLSX and PDF
// from the documents routes, all through the console's file path (the session stands for the token).

export const fileLink = (apiPath: string) => `/console/files${apiPath}`;

export function reportPage(ctx: PageContext, o: { report: UpwardReport; plan: CampaignPlan; visitsByDay: { day: string; visited: number }[] }): Html {
  const { say, lang } = ctx;
  const { report, plan } = o;
  const tz = plan.timezone;
  const money = say('元', 'CNY');
  const series = [say('核定', 'approved'), say('已发放', 'paid')];
  const visiting = plan.phases.find((p) => p.name === 'visiting')!;
  const dayMs = (day: string) => {
    const [year, month, date] = day.split('-').map(Number);
    return instantAt({ year: year!, month: month!, day: date! }, tz);
  };
  const total = Math.max(report.totals.households, 1);
  const id = report.campaignId;
  const body = html`
<p><a href="/console/campaigns/${id}">${say('返回活动看板', 'Back to the board')}</a></p>
<h2>${say('下载', 'Downloads')}</h2>
<ul class="plain">
<li><a href="${fileLink(`/campaigns/${id}/report.csv`)}">${say('汇总表 CSV', 'Report as CSV')}</a></li>
<li><a href="${fileLink(`/campaigns/${id}/report.xlsx`)}">${say('汇总表 Excel (XLSX)', 'Report as Excel (XLSX)')}</a></li>
<li><a href="${fileLink(`/campaigns/${id}/report.pdf`)}">${say('可打印 PDF', 'Printable PDF')}</a></li>
</ul>
<h2>${say('合计', 'Totals')}</h2>
<table><tbody>
<tr><th scope="row">${say('预算', 'Budget')}</th><td class="num">${report.totals.budget.toLocaleString('zh-CN')} ${money}</td></tr>
<tr><th scope="row">${say('核定户数', 'Households approved')}</th><td class="num">${report.totals.households}</td></tr>
<tr><th scope="row">${say('核定金额', 'Approved')}</th><td class="num">${report.totals.approved.toLocaleString('zh-CN')} ${money}</td></tr>
<tr><th scope="row">${say('已走访户数', 'Households visited')}</th><td class="num">${report.totals.visited}</td></tr>
<tr><th scope="row">${say('已发放', 'Paid')}</th><td class="num">${report.totals.paid.toLocaleString('zh-CN')} ${money}</td></tr>
<tr><th scope="row">${say('未发放', 'Undisbursed')}</th><td class="num">${report.totals.undisbursed.toLocaleString('zh-CN')} ${money}</td></tr>
</tbody></table>
<h2>${say('按资金来源', 'By funding source')}</h2>
${barChart({ title: say('按资金来源', 'By funding source'), unit: money, series: [say('预算', 'budget'), ...series], bars: report.byFundingSource.map((s) => ({ label: s.name, values: [s.budget, s.approved, s.paid] })) })}
<h2>${say('按类别', 'By category')}</h2>
${barChart({ title: say('按类别', 'By category'), unit: money, series, bars: report.byCategory.map((c) => ({ label: c.name, values: [c.approved, c.paid] })) })}
<h2>${say('按单位', 'By unit')}</h2>
${barChart({ title: say('按单位', 'By unit'), unit: money, series, bars: report.byUnit.map((u) => ({ label: u.name, values: [u.approved, u.paid] })) })}
<h2>${say('走访覆盖进度', 'Coverage over time')}</h2>
${coverageChart({
  title: say('走访覆盖率与计划节点', 'Coverage against the plan’s milestones'),
  from: Date.parse(visiting.opensAt),
  to: Date.parse(visiting.cutoff),
  actual: o.visitsByDay.map((d) => ({ at: dayMs(d.day), coverage: d.visited / total })),
  milestones: (visiting.milestones ?? []).map((m) => ({ at: Date.parse(m.at), coverage: m.coverage })),
  labels: { actual: say('实际覆盖', 'actual coverage'), milestone: say('计划节点', 'milestone') },
  dayLabel: (ms) => localTime(new Date(ms).toISOString(), tz, lang).replace(/ \d\d:\d\d$/, ''),
})}
${report.forfeited.length ? html`<h2>${say('逾期放弃的单位', 'Units that forfeited')}</h2><ul class="plain">${report.forfeited.map((f) => html`<li>${f.name} · ${f.phase}</li>`)}</ul>` : ''}`;
  return page(ctx, `${report.title} · ${say('汇总上报', 'Upward report')}`, body, { wide: true });
}
