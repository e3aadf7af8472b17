import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { campaignPlanSchema, type CampaignPlan } from '../domain/plan';
import { EXAMPLES, loadExample, runExample, type ExampleName } from './example';

// `npx tsx examples/run.ts <example>` against `npm start`: the example's campaign, its four phases
// compressed into a few minutes of real time, driven through the HTTP API from start to upward report.
// Tokens come from .data/demo-secrets.json (npm start makes them for every example's actors).

/** Real-time windows for the phases, in seconds: enough for a few thousand visits through the API. */
const WINDOWS = { preparation: 40, publicity: 20, visiting: 120, summary: 30 } as const;
const GAP_MS = 2_000;

/** The plan's phases moved to consecutive windows starting now; milestones keep their place within visiting. */
function compressed(plan: CampaignPlan, start: number): CampaignPlan {
  let opens = start;
  const phases = plan.phases.map((phase) => {
    const length = WINDOWS[phase.name] * 1_000;
    const [from, to] = [Date.parse(phase.opensAt), Date.parse(phase.cutoff)];
    const scale = (instant: string) => new Date(opens + ((Date.parse(instant) - from) / (to - from)) * length).toISOString();
    const moved = { ...phase, opensAt: new Date(opens).toISOString(), cutoff: new Date(opens + length).toISOString(), reminders: [], milestones: phase.milestones?.map((m) => ({ ...m, at: scale(m.at) })) };
    opens += length + GAP_MS;
    return moved;
  });
  return campaignPlanSchema.parse({ ...plan, id: `${plan.id.slice(0, 50)}-${Date.now().toString(36)}`, phases });
}

async function main() {
  const name = process.argv[2] as ExampleName;
  if (!EXAMPLES.includes(name)) throw new Error(`usage: npx tsx examples/run.ts <${EXAMPLES.join('|')}>`);
  const apiUrl = process.env.API_URL ?? `http://localhost:${process.env.API_PORT ?? '3000'}`;
  const secretsFile = process.env.DEMO_SECRETS ?? join(__dirname, '..', '.data', 'demo-secrets.json');
  const { tokens } = JSON.parse(readFileSync(secretsFile, 'utf8')) as { tokens: Record<string, string> };
  const example = loadExample(name);
  const plan = compressed(example.plan, Date.now() + 5_000);
  console.log(`${example.description}\n`);

  const { report, csv } = await runExample(example, plan, {
    api: {
      async call(method, path, { token, body }) {
        // As docs/api.md asks of clients: a 503 is retried after its Retry-After (the request ids make retries safe).
        for (let attempt = 1; ; attempt++) {
          const response = await fetch(apiUrl + path, {
            method,
            headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
            body: body === undefined ? undefined : JSON.stringify(body),
          });
          const text = await response.text();
          if (response.status === 503 && attempt < 10) {
            await new Promise((r) => setTimeout(r, Number(response.headers.get('retry-after') ?? 5) * 1_000));
            continue;
          }
          return { status: response.status, body: response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
        }
      },
    },
    tokenOf: (subject) => {
      const token = tokens[subject];
      if (!token) throw new Error(`no demo token for ${subject}: restart npm start so it makes tokens for the examples`);
      return token;
    },
    until: (instant) => new Promise((resolve) => setTimeout(resolve, Math.max(0, instant - Date.now()))),
    log: (line) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`),
  });

  console.log(`\nUpward report of ${report.title} (${plan.id})`);
  console.table(report.byFundingSource.map(({ id, name: source, budget, households, paid, undisbursed }) => ({ id, source, budget, households, paid, undisbursed })));
  console.log(`Total: ${report.totals.households} households, ${report.totals.paid} of ${report.totals.budget} paid (plan: ${example.figures.households} households, ${example.figures.paid} of ${example.figures.budget}).\n`);
  console.log(csv);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
