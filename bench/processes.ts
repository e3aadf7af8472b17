import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { WorkerProcessEnv } from './worker-process';

const quiet = { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} };

/** Bundles workflow code once, here, into a file a worker process loads. */
export async function bundle(workflowsPath: string): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: quiet });
  const codePath = join(mkdtempSync(join(tmpdir(), 'relief-bench-')), 'workflow-bundle.js');
  writeFileSync(codePath, code);
  return codePath;
}

/** Peak and current resident set of a process, in MB (10^6 bytes), from /proc. */
export function memoryOf(pid: number): { peakMB: number; rssMB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peakMB: (kib('VmHWM') * 1024) / 1e6, rssMB: (kib('VmRSS') * 1024) / 1e6 };
}

export interface WorkerProcess {
  pid: number;
  stop(): Promise<void>;
}

/** Starts bench/worker-process.ts and resolves once its worker polls; `nodeArgs` e.g. --cpu-prof. */
export function startWorkerProcess(env: WorkerProcessEnv, nodeArgs: string[] = []): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', join(__dirname, 'worker-process.ts')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${env.BENCH_ROLE} worker exited (code ${code}) before it was ready`)));
    child.once('message', () =>
      resolve({
        pid: child.pid!,
        async stop() {
          child.kill('SIGTERM');
          await exited;
        },
      }),
    );
  });
}
