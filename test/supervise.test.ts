import { spawn } from 'node:child_process';
import { supervise } from '../scripts/supervise';
import { eventually } from './harness/api';

// npm start's supervisor on its own, with tiny child processes in place of the worker and the API.

const child = (code: string) => () => spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('given a supervised child, when it is SIGKILLed, it should be started again and the restart logged as one line; after stop() nothing restarts', async () => {
  const lines: Record<string, unknown>[] = [];
  const worker = supervise('worker', child('setInterval(() => {}, 1000)'), { initialDelayMs: 50, log: (l) => lines.push(l) });
  const first = await eventually(async () => worker.pid() ?? Promise.reject(new Error('not running')), 5_000);
  process.kill(first, 'SIGKILL');
  const second = await eventually(async () => {
    const pid = worker.pid();
    if (pid === undefined || pid === first) throw new Error('not restarted yet');
    return pid;
  }, 5_000);
  expect(lines).toEqual([expect.objectContaining({ event: 'process-restart', process: 'worker', signal: 'SIGKILL', restartInMs: 50, restarts: 1 })]);

  await worker.stop();
  expect(alive(second)).toBe(false);
  await new Promise((r) => setTimeout(r, 200));
  expect(worker.pid()).toBeUndefined();
  expect(lines).toHaveLength(1);
});

test('given a child that keeps crashing, the delay between restarts should double up to the maximum', async () => {
  const lines: Record<string, unknown>[] = [];
  const api = supervise('api', child('process.exit(3)'), { initialDelayMs: 20, maxDelayMs: 80, log: (l) => lines.push(l) });
  await eventually(async () => expect(lines.length).toBeGreaterThanOrEqual(5), 10_000);
  await api.stop();
  expect(lines.slice(0, 5).map((l) => [l.code, l.restartInMs])).toEqual([
    [3, 20],
    [3, 40],
    [3, 80],
    [3, 80],
    [3, 80],
  ]);
});

test('given a child that ran long enough before it crashed, the next restart should wait the first delay again', async () => {
  const lines: Record<string, unknown>[] = [];
  const api = supervise('api', child('setTimeout(() => process.exit(1), 300)'), { initialDelayMs: 20, resetAfterMs: 200, log: (l) => lines.push(l) });
  await eventually(async () => expect(lines.length).toBeGreaterThanOrEqual(3), 10_000);
  await api.stop();
  expect(lines.slice(0, 3).map((l) => l.restartInMs)).toEqual([20, 20, 20]);
});
