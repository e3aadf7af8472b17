import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { callApi } from './harness/api';
import { startLauncher, type Launcher } from './harness/launcher';

// The README's curl walk-through runs as written (issue 12): its sh block, taken from README.md,
// against the system as `npm start` starts it, every request's answer the one its "# → status"
// comment documents, and the campaign in the record as the walk-through says it ends.

const ROOT = join(__dirname, '..');
const MARKER = '<!-- walkthrough:';
/** The annotation that ends a step: `# → 409 PhaseNotOpenYet`. */
const EXPECTED = /#\s*→\s*(\d{3})(?:\s+(\S+))?\s*$/;

interface Step {
  script: string;
  status: number;
  /** A word the answer must contain (an error code, a status). */
  word?: string;
}

/** The walk-through's sh block, cut into steps: each ends with a request annotated with the answer to expect. */
function walkthroughSteps(readme: string): Step[] {
  const from = readme.indexOf(MARKER);
  expect(from).toBeGreaterThan(-1);
  const block = /```sh\n([\s\S]*?)\n```/.exec(readme.slice(from))![1]!;
  const steps: Step[] = [];
  let pending: string[] = [];
  for (const line of block.split('\n')) {
    pending.push(line);
    const expected = EXPECTED.exec(line);
    if (!expected) continue;
    steps.push({ script: pending.join('\n'), status: Number(expected[1]), word: expected[2] });
    pending = [];
  }
  expect(pending.filter((l) => l.trim() && !l.trim().startsWith('#'))).toEqual([]);
  return steps;
}

/** Runs the steps in one shell, each request's status appended by a curl wrapper, each step's output cut at a marker. */
function run(steps: Step[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ outputs: string[]; campaignId: string; stderr: string }> {
  const script = [
    // The status of every request, after its body, for the test to read; the walk-through's own commands are unchanged.
    `curl() { command curl -w '\\n@@status %{http_code}\\n' "$@"; }`,
    ...steps.map((s, i) => `${s.script}\necho "@@step ${i}"`),
    'echo "@@campaign $C"',
  ].join('\n');
  return new Promise((resolve, reject) => {
    const bash = spawn('bash', ['-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    shell = bash;
    let stdout = '';
    let stderr = '';
    bash.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    bash.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    bash.once('error', reject);
    bash.once('exit', () => {
      const outputs = stdout.split(/^@@step \d+\n/m).slice(0, steps.length);
      resolve({ outputs, campaignId: /^@@campaign (\S+)$/m.exec(stdout)?.[1] ?? '', stderr });
    });
  });
}

let launcher: Launcher;
/** The walk-through's shell, killed if the test ends before it does (a wait that never ends). */
let shell: ChildProcess | undefined;

beforeAll(async () => {
  launcher = await startLauncher();
  // The walk-through runs from the repository's directory: .data beside examples/.
  symlinkSync(join(ROOT, 'examples'), join(launcher.home, 'examples'));
}, 420_000);

afterAll(async () => {
  if (shell?.exitCode === null) shell.kill('SIGKILL');
  await launcher?.stop();
});

test('given the system started as npm start starts it, the README walk-through should run as written, every answer as documented', async () => {
  const steps = walkthroughSteps(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  // Opening and cutoff close enough for a test, far enough apart for the steps between them on a busy machine.
  const { outputs, campaignId, stderr } = await run(steps, launcher.home, { PATH: process.env.PATH, HOME: process.env.HOME, API: launcher.api, OPENS_IN: '40', CLOSES_IN: '110' });
  const answers = steps.map((step, i) => {
    const output = outputs[i] ?? '';
    const statuses = [...output.matchAll(/^@@status (\d{3})$/gm)];
    return { request: step.script.split('\n').filter((l) => l.includes('curl')).pop(), status: Number(statuses.at(-1)?.[1]), output: output.replace(/^@@status.*$/gm, '').trim().slice(0, 300) };
  });
  const expected = steps.map((s, i) => ({ request: answers[i]!.request, status: s.status }));
  expect({ answers: answers.map(({ request, status }) => ({ request, status })), stderr }).toEqual({ answers: expected, stderr: '' });
  steps.forEach((s, i) => s.word && expect(answers[i]!.output).toContain(s.word));

  // What the walk-through says happened, in the record: rejected, resubmitted and approved; extended; forfeited and reinstated; cancelled.
  const coordinator = launcher.secrets.tokens['coordinator:union-office']!;
  const unit = async (id: string) => (await callApi(launcher.api, 'GET', `/campaigns/${campaignId}/units/${id}`, { token: coordinator })).body.phases[0].state;
  const union1 = await unit('union-1');
  expect({ status: union1.status, submissions: union1.submissions.length, reviews: union1.reviews.map((r: { decision: string }) => r.decision) }).toEqual({ status: 'approved', submissions: 2, reviews: ['reject', 'approve'] });
  expect(await unit('union-2')).toMatchObject({ status: 'approved', extensions: [expect.objectContaining({ reason: '厂区停电,延后报送' })] });
  expect((await unit('union-3')).status).toBe('forfeited');
  const campaign = (await callApi(launcher.api, 'GET', `/campaigns/${campaignId}`, { token: coordinator })).body;
  expect(campaign).toMatchObject({ status: 'cancelled', reinstatements: [expect.objectContaining({ unitId: 'union-3' })] });
}, 600_000);
