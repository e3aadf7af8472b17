import type { ChildProcess } from 'node:child_process';

// What a process supervisor does for `npm start`'s worker and API: a child that exits by itself
// is started again after a backoff that doubles (1 s → 30 s), back to the first step once a run
// has lasted a minute; each restart is one JSON line. Only stop() ends it.

export interface SuperviseOptions {
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** A run at least this long counts as healthy: the next crash waits initialDelayMs again. */
  resetAfterMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL. */
  stopGraceMs?: number;
  log?: (line: Record<string, unknown>) => void;
}

export interface Supervised {
  name: string;
  /** The running child's pid, if one runs now. */
  pid(): number | undefined;
  /** Stops the child (SIGTERM, then SIGKILL after the grace) and restarts nothing after. */
  stop(): Promise<void>;
}

export function supervise(name: string, start: () => ChildProcess, options: SuperviseOptions = {}): Supervised {
  const { initialDelayMs = 1_000, maxDelayMs = 30_000, resetAfterMs = 60_000, stopGraceMs = 15_000, log = (line) => console.log(JSON.stringify(line)) } = options;
  let child: ChildProcess;
  let exited: Promise<void>;
  let stopping = false;
  let delayMs = initialDelayMs;
  let restarts = 0;
  let timer: NodeJS.Timeout | undefined;

  const run = () => {
    timer = undefined;
    const startedAt = Date.now();
    child = start();
    exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        resolve();
        if (stopping) return;
        const uptimeMs = Date.now() - startedAt;
        if (uptimeMs >= resetAfterMs) delayMs = initialDelayMs;
        restarts++;
        log({ event: 'process-restart', process: name, code, signal, uptimeMs, restartInMs: delayMs, restarts });
        timer = setTimeout(run, delayMs);
        delayMs = Math.min(delayMs * 2, maxDelayMs);
      }),
    );
  };
  run();

  return {
    name,
    pid: () => (timer === undefined && child.exitCode === null && child.signalCode === null ? child.pid : undefined),
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const grace = new Promise<void>((resolve) => setTimeout(resolve, stopGraceMs).unref());
      await Promise.race([exited, grace]);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
