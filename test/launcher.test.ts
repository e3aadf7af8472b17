import { callApi, eventually, withPreparationSoon } from './harness/api';
import { startLauncher, type Launcher } from './harness/launcher';
import { unionWinterPlan } from './harness/plans';
import { uniqueId } from './harness/temporal';

// `npm start` heals (issue 12): the worker killed with SIGKILL, as an OOM kill would, is started
// again by the launcher within seconds while the API and the server keep running; a submission
// sent as it died is answered when retried with its key, and recorded exactly once.

const RESTART_WITHIN_MS = 30_000;

let launcher: Launcher;

beforeAll(async () => {
  launcher = await startLauncher();
}, 420_000);

afterAll(async () => {
  await launcher?.stop();
});

const WORKER = 'worker/main.ts';

test('given npm start running, when the worker is killed with SIGKILL under a submission, the launcher should start it again within seconds and the submission retried with its key be answered and recorded once', async () => {
  const token = (subject: string) => launcher.secrets.tokens[subject]!;
  const call = (method: string, path: string, options: Parameters<typeof callApi>[3]) => callApi(launcher.api, method, path, options);
  const plan = withPreparationSoon(unionWinterPlan({ id: uniqueId('heal'), webhook: (p) => `http://127.0.0.1:9/${p}` }), 2_000, 3_600_000);
  expect((await call('POST', '/campaigns', { token: token('coordinator:union-office'), body: plan })).status).toBe(202);
  const unitView = () => call('GET', `/campaigns/${plan.id}/units/union-1`, { token: token('unit:union-1') });
  await eventually(async () => expect((await unitView()).body.phases[0].state.status).toBe('open'), 60_000);

  const key = uniqueId('roster');
  const submit = () =>
    call('POST', `/campaigns/${plan.id}/phases/preparation/units/union-1/submissions`, {
      token: token('unit:union-1'),
      body: { kind: 'applicant-roster', report: '困難職工12戶、勞模8人,名單已公示', figures: { households: 20 } },
      headers: { 'Idempotency-Key': key },
    });
  const killed = launcher.childPid(WORKER)!;
  expect(killed).toBeDefined();
  const sent = submit();
  process.kill(killed, 'SIGKILL');
  const killedAt = Date.now();

  // Not "unavailable": accepted, or not known yet with where to read it.
  const first = await sent;
  expect([201, 202]).toContain(first.status);

  const restarted = await eventually(async () => {
    const pid = launcher.childPid(WORKER);
    expect(pid).toBeDefined();
    expect(pid).not.toBe(killed);
    return pid;
  }, RESTART_WITHIN_MS);
  const restartedAfterMs = Date.now() - killedAt;
  expect(restartedAfterMs).toBeLessThan(RESTART_WITHIN_MS);
  expect(launcher.output()).toContain('"event":"process-restart","process":"worker","code":null,"signal":"SIGKILL"');
  expect(launcher.running()).toBe(true);

  // The retry with the key gets the real outcome: the same one, if the first answer had it.
  const outcome = await eventually(async () => {
    const response = await submit();
    expect(response.status).toBe(201);
    return response;
  }, 120_000);
  expect(outcome.body).toMatchObject({ submissionNumber: 1, status: 'submitted' });
  if (first.status === 201) expect(outcome.body).toEqual(first.body);
  const { submissions } = (await unitView()).body.phases[0].state;
  expect(submissions.map((s: { requestId: string }) => s.requestId)).toEqual([`submit:union-1:${key}`]);
  // The restarted worker is the one that polls now, and the system stays up.
  await eventually(async () => expect((await call('GET', '/ready', {})).status).toBe(200), 60_000);
  expect(launcher.childPid(WORKER)).toBe(restarted);
  console.log(`worker started again ${restartedAfterMs} ms after the kill; first answer ${first.status} in ${first.ms} ms; the retry's answer ${Date.now() - killedAt} ms after the kill`);
}, 300_000);
