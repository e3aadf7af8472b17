import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { campaignPlanSchema } from '../domain/plan';
import { sayer } from '../console/i18n';
import { lineOf, placeName, readPlanText } from '../console/pages/plan-upload';

// A plan's problems where they are: the plan schema's own issues, each given the line of the text
// (JSON or YAML) it is about and a name people read, as the console's start page shows them.

const say = sayer('zh-CN');
const example = (JSON.parse(readFileSync(join(__dirname, '..', 'examples', 'plan-1-sub-district-spring.json'), 'utf8')) as { plan: Record<string, unknown> }).plan;

function problemsOf(text: string) {
  const read = readPlanText(text, say);
  expect(read.problems).toEqual([]);
  const result = campaignPlanSchema.safeParse(read.plan);
  expect(result.success).toBe(false);
  return result.error!.issues.map((i) => ({ place: placeName(i.path as (string | number)[], say), line: lineOf(read, i.path as (string | number)[]) }));
}

describe('plan problems by line', () => {
  test('given plan 1 as YAML with the second phase’s cutoff not a time, the problem should name that place and point at its line', () => {
    const phases = (example.phases as Record<string, unknown>[]).map((p, i) => (i === 1 ? { ...p, cutoff: 'next Tuesday' } : p));
    const text = stringify({ ...example, phases });
    const [problem] = problemsOf(text).filter((p) => p.place.includes('截止时间'));
    expect(problem!.place).toBe('阶段 (phases) › 第2项 › 截止时间 (cutoff)');
    expect(text.split('\n')[problem!.line! - 1]).toContain('cutoff: next Tuesday');
  });

  test('given an example file (the plan wrapped with its figures) as JSON with a negative quota, the line should be the quota’s inside the wrapper', () => {
    const units = (example.units as Record<string, unknown>[]).map((u, i) => (i === 2 ? { ...u, quota: -1 } : u));
    const text = JSON.stringify({ description: '方案1', plan: { ...example, units } }, null, 2);
    const [problem] = problemsOf(text).filter((p) => p.place.includes('名额'));
    expect(text.split('\n')[problem!.line! - 1]).toContain('"quota": -1');
  });

  test('given a text that is neither JSON nor YAML, it should say so at the line where reading stopped', () => {
    const read = readPlanText('id: a\ntitle: [unclosed\nunits: 3', say);
    expect(read.problems.length).toBeGreaterThan(0);
    expect(read.problems[0]!.message).toMatch(/^无法读取/);
    expect(read.problems[0]!.line).toBeGreaterThanOrEqual(2);
  });
});
