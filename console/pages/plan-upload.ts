import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { html, type Html } from '../html';
import type { Say } from '../i18n';
import { csrfField, field, keyField, notice, page, type PageContext } from '../layout';

// Starting a campaign from its plan: JSON or YAML (a JSON text is YAML too, so one parser gives
// every problem its line). The API's own schema judges the plan; each problem is shown at its line
// and named by its place in the plan, and the text stays in the form to be mended.

export interface PlanProblem {
  path: (string | number)[];
  message: string;
  line?: number;
}

export interface ReadPlan {
  plan?: unknown;
  /** Where the plan sits in the text: [] or ['plan'] for an example file that wraps it with its figures. */
  base: (string | number)[];
  problems: PlanProblem[];
  doc?: Document;
  lines: LineCounter;
}

export function readPlanText(text: string, say: Say): ReadPlan {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    return { base: [], lines, problems: doc.errors.map((e) => ({ path: [], message: say(`无法读取:${e.message}`, `cannot be read: ${e.message}`), line: lines.linePos(e.pos[0]).line })) };
  }
  const value = doc.toJS() as unknown;
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { base: [], lines, problems: [{ path: [], message: say('方案应是一个对象(JSON 或 YAML)。', 'A plan is one object (JSON or YAML).') }] };
  // The example files hold the plan beside its description and expected figures.
  const wrapped = !('phases' in value) && 'plan' in value;
  return { plan: wrapped ? (value as { plan: unknown }).plan : value, base: wrapped ? ['plan'] : [], problems: [], doc, lines };
}

/** The line of the node at a path, or of its nearest ancestor that exists. */
export function lineOf(read: ReadPlan, path: (string | number)[]): number | undefined {
  if (!read.doc) return undefined;
  for (let n = path.length; n >= 0; n--) {
    const node = read.doc.getIn([...read.base, ...path.slice(0, n)], true) as { range?: [number, number, number] } | undefined;
    if (node && (node.range || isMap(node) || isSeq(node))) {
      const range = node.range;
      if (range) return read.lines.linePos(range[0]).line;
    }
  }
  return undefined;
}

const PLACES: Record<string, [string, string]> = {
  id: ['编号', 'id'],
  title: ['标题', 'title'],
  organizer: ['牵头单位', 'organizer'],
  timezone: ['时区', 'time zone'],
  coordinator: ['牵头人', 'coordinator'],
  reviewers: ['审核人', 'reviewers'],
  units: ['单位', 'units'],
  phases: ['阶段', 'phases'],
  name: ['名称', 'name'],
  opensAt: ['开始时间', 'opens at'],
  cutoff: ['截止时间', 'cutoff'],
  quota: ['名额', 'quota'],
  supervisor: ['审核人', 'supervisor'],
  rules: ['规则', 'rules'],
  standards: ['标准', 'standards'],
  fundingSources: ['资金来源', 'funding sources'],
  budget: ['预算', 'budget'],
  milestones: ['进度节点', 'milestones'],
  reminders: ['提醒', 'reminders'],
  notify: ['通知方式', 'notify'],
  webhook: ['网络回调', 'webhook'],
};

/** A path as people read it: 阶段 第1项 › 截止时间. */
export function placeName(path: (string | number)[], say: Say): string {
  if (!path.length) return say('整个方案', 'the whole plan');
  return path.map((p) => (typeof p === 'number' ? say(`第${p + 1}项`, `#${p + 1}`) : PLACES[p] ? `${say(...PLACES[p])} (${p})` : p)).join(' › ');
}

export function planUploadPage(ctx: PageContext, o: { text?: string; problems?: PlanProblem[]; error?: string; key: string }): Html {
  const { say } = ctx;
  const problems = o.problems ?? [];
  const badLines = new Set(problems.map((p) => p.line).filter((l): l is number => l !== undefined));
  const body = html`
${o.error ? notice('error', o.error) : ''}
${problems.length
  ? html`<div class="notice error" role="alert"><p>${say(`方案有 ${problems.length} 处问题,活动未开始。请修改后重新提交:`, `The plan has ${problems.length} problem(s); nothing was started. Mend them and send it again:`)}</p>
<ol>${problems.map((p) => html`<li>${p.line ? html`<a href="#line-${p.line}">${say(`第 ${p.line} 行`, `line ${p.line}`)}</a> · ` : ''}<strong>${placeName(p.path, say)}</strong>:${p.message}</li>`)}</ol></div>
<h2>${say('方案原文(有问题的行已标出)', 'The plan as sent (lines with problems marked)')}</h2>
<pre class="plan-text" tabindex="0" aria-label="${say('方案原文', 'Plan text')}">${(o.text ?? '').split('\n').map((line, i) => html`<span id="line-${i + 1}" class="${badLines.has(i + 1) ? 'bad' : ''}"><span class="ln">${i + 1}</span>${line}</span>\n`)}</pre>`
  : ''}
<form method="post" action="/console/campaigns" enctype="multipart/form-data">${csrfField(ctx)}${keyField(o.key)}
  <div class="field"><label for="f-plan-file">${say('方案文件(JSON 或 YAML)', 'Plan file (JSON or YAML)')}</label>
  <input id="f-plan-file" name="planFile" type="file" accept=".json,.yaml,.yml,application/json,application/yaml,text/yaml"></div>
  ${field({ name: 'planText', label: say('或直接粘贴方案内容', 'Or paste the plan'), value: o.text, textarea: true, hint: say('上传文件时以文件为准;有问题时文件内容会留在这里,修改后再提交。', 'A file takes precedence; when it has problems its text stays here to be mended.') })}
  <button type="submit">${say('开始活动', 'Start the campaign')}</button>
</form>`;
  return page(ctx, say('上传方案,开始活动', 'Start a campaign from a plan'), body);
}
