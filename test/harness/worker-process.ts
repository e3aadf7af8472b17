import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { HOUSEHOLD_SECRET, TEST_PAYLOAD_KEYS_ENV, WEBHOOK_SECRET } from './temporal';

// The production worker (worker/main.ts) as a process of its own, so a test can SIGKILL it the
// way a crash or an OOM kill would: no shutdown, no finished tasks, nothing flushed.

const ROOT = join(__dirname, '..', '..');

export interface WorkerProcess {
  pid: number;
  /** SIGKILL, and wait until the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM: the worker finishes its tasks and exits. */
  stop(): Promise<void>;
}

/** `workflowBundle`: a prebuilt bundle (worker/bundle-workflows.ts), so a restart skips webpack. */
export async function startWorkerProcess(env: { address: string; taskQueue: string; workflowBundle?: string }, startTimeoutMs = 90_000): Promise<WorkerProcess> {
  // `node --import tsx`, not the tsx CLI: the CLI runs the worker in a grandchild that a SIGKILL would orphan.
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: env.taskQueue,
      WEBHOOK_SIGNING_SECRET: WEBHOOK_SECRET,
      HOUSEHOLD_KEY_SECRET: HOUSEHOLD_SECRET,
      PAYLOAD_KEYS: TEST_PAYLOAD_KEYS_ENV,
      ...(env.workflowBundle ? { WORKER_WORKFLOW_BUNDLE: env.workflowBundle } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start in ${startTimeoutMs} ms:\n${output.slice(-2000)}`)), startTimeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"event":"worker-started"')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`worker exited before it started:\n${output.slice(-2000)}`));
    });
  });
  // Keep the pipes drained so the worker never blocks on a full one.
  child.stdout!.resume();
  child.stderr!.resume();
  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    await exited;
  };
  return { pid: child.pid!, kill: () => signal('SIGKILL'), stop: () => signal('SIGTERM') };
}
