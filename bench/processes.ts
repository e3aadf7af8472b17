import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { TEST_HOUSEHOLD_KEY_SECRET } from '../test/harness/postgres';
import { TEST_PAYLOAD_KEYS_ENV, WEBHOOK_SECRET } from '../test/harness/temporal';
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
  memory(): Promise<WorkerMemory>;
  stop(): Promise<void>;
}

/** A bench worker's environment: its role, server, queue, prebuilt bundle and record; the test harness's secrets and keys. */
export function workerEnv(o: { role: WorkerProcessEnv['BENCH_ROLE']; address: string; taskQueue: string; codePath: string; databaseUrl: string; maxCachedWorkflows?: string }): WorkerProcessEnv {
  return {
    BENCH_ROLE: o.role,
    BENCH_ADDRESS: o.address,
    BENCH_TASK_QUEUE: o.taskQueue,
    BENCH_BUNDLE: o.codePath,
    BENCH_WEBHOOK_SECRET: WEBHOOK_SECRET,
    BENCH_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS_ENV,
    BENCH_DATABASE_URL: o.databaseUrl,
    BENCH_HOUSEHOLD_KEY_SECRET: TEST_HOUSEHOLD_KEY_SECRET,
    BENCH_MAX_CACHED_WORKFLOWS: o.maxCachedWorkflows,
  };
}

let compiled: Promise<string> | undefined;

/** The project compiled once per bench into dist/, as `npm run build` does for `node dist/…`: the worker's memory is then production's, not tsx's. */
function compiledWorkerScript(): Promise<string> {
  compiled ??= new Promise((resolve, reject) => {
    const root = join(__dirname, '..');
    const build = spawn('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    build.once('exit', (code) => (code === 0 ? resolve(join(root, 'dist', 'bench', 'worker-process.js')) : reject(new Error(`npm run build exited with code ${code}`))));
  });
  return compiled;
}

/** Where a worker's memory is, from the worker itself (process.memoryUsage(), MB): its main thread's heap; the rest of its RSS is mostly the workflow thread's isolate (the sticky cache), then the Rust core. */
export interface WorkerMemory {
  rssMB: number;
  heapUsedMB: number;
  heapTotalMB: number;
  externalMB: number;
}

/** Starts the compiled bench/worker-process and resolves once its worker polls; `nodeArgs` e.g. --cpu-prof. */
export async function startWorkerProcess(env: WorkerProcessEnv, nodeArgs: string[] = []): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [...nodeArgs, await compiledWorkerScript()], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${env.BENCH_ROLE} worker exited (code ${code}) before it was ready`)));
    child.once('message', () =>
      resolve({
        pid: child.pid!,
        memory() {
          const reply = new Promise<WorkerMemory>((answer) => child.once('message', (m) => answer(m as WorkerMemory)));
          child.send('memory');
          return reply;
        },
        async stop() {
          child.kill('SIGTERM');
          await exited;
        },
      }),
    );
  });
}

/** The pids of a process and all its descendants, from /proc. */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command may hold spaces and parentheses: the fields after its closing ")" are fixed.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/** Proportional set size of a process tree, in MB: shared memory (PostgreSQL's buffers) counted once over all its processes. */
function treePssMB(root: number): number {
  let kib = 0;
  for (const pid of processTree(root)) {
    try {
      kib += Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone meanwhile
    }
  }
  return (kib * 1024) / 1e6;
}

/** The process whose command line holds every one of the words (e.g. a server's main class and its port). */
export function processWith(...words: string[]): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (words.every((w) => args.includes(w))) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** The postmaster's pid, from the first line of postmaster.pid in its data directory. */
export const postmasterPid = (dataDir: string): number => Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);

/** Samples named process trees (PSS) while a bench runs; keeps each one's peak in MB. */
export class MemorySampler {
  private readonly peaks = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly roots: Record<string, number | undefined>, intervalMs = 500) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
    this.sample();
  }

  private sample() {
    for (const [name, pid] of Object.entries(this.roots)) if (pid) this.peaks.set(name, Math.max(this.peaks.get(name) ?? 0, treePssMB(pid)));
  }

  /** NaN for a process that was not found. */
  peak(name: string): number {
    return this.peaks.get(name) ?? NaN;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
