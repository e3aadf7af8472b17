import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DemoSecrets } from '../../scripts/demo-secrets';
import { eventually } from './api';
import { freePort } from './ports';

// The whole system as `npm start` runs it (scripts/run-system.ts: PostgreSQL, the dev server, the
// supervised worker and API), in a temporary data directory on free ports, so a test can drive it
// over HTTP and kill its parts. The workflows bundled once for the run stand in for the worker's
// own webpack at start, as WORKER_WORKFLOW_BUNDLE does in the Docker image.

const ROOT = join(__dirname, '..', '..');

export interface Launcher {
  /** The API's base URL. */
  api: string;
  /** The directory that holds `.data` (the launcher's data dir), as the repository root does for `npm start`. */
  home: string;
  secrets: DemoSecrets;
  /** Every line the launcher and its children printed so far. */
  output(): string;
  /** The pid of the running process started from `main` (worker/main.ts, api/main.ts), if one runs. */
  childPid(main: string): number | undefined;
  /** Whether the launcher itself still runs. */
  running(): boolean;
  /** Ctrl-C: the launcher stops everything; then the data directory is removed. */
  stop(): Promise<void>;
}

/**
 * `npm start` on free ports and a data directory of its own. A port found free can be taken by a
 * parallel suite before a server binds it (seen once: the dev server's HTTP port): then it starts
 * again on other ports.
 */
export async function startLauncher(startTimeoutMs = 300_000): Promise<Launcher> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(startTimeoutMs);
    } catch (err) {
      if (attempt >= 3 || !String(err).includes('address already in use')) throw err;
    }
  }
}

async function launch(startTimeoutMs: number): Promise<Launcher> {
  const home = mkdtempSync(join(tmpdir(), 'relief-launcher-'));
  // PostgreSQL runs as the postgres user (we are root here), who must reach its data directory.
  chmodSync(home, 0o755);
  const dataDir = join(home, '.data');
  const [temporal, ui, postgres, inbox, api] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'scripts/run-system.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      RELIEF_DATA_DIR: dataDir,
      TEMPORAL_PORT: String(temporal),
      TEMPORAL_UI_PORT: String(ui),
      POSTGRES_PORT: String(postgres),
      DEMO_INBOX_PORT: String(inbox),
      API_PORT: String(api),
      WORKER_WORKFLOW_BUNDLE: process.env.RELIEF_WORKFLOW_BUNDLE,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  const url = `http://127.0.0.1:${api}`;
  const stop = async () => {
    if (running()) child.kill('SIGINT');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 60_000))]);
    if (running()) child.kill('SIGKILL');
    rmSync(home, { recursive: true, force: true });
  };
  const died = exited.then(() => {
    throw new Error('the launcher exited');
  });
  died.catch(() => {});
  try {
    await Promise.race([died, eventually(async () => expect(output).toContain('Relief campaigns are running.'), startTimeoutMs)]);
    // Ready: Temporal reached and a worker polling (api/readiness.ts).
    await Promise.race([died, eventually(async () => expect((await fetch(`${url}/ready`)).status).toBe(200), startTimeoutMs)]);
  } catch (err) {
    await stop();
    throw new Error(`npm start's launcher did not come up: ${String(err)}\n${output.slice(-3000)}`);
  }
  return {
    api: url,
    home,
    secrets: JSON.parse(readFileSync(join(dataDir, 'demo-secrets.json'), 'utf8')) as DemoSecrets,
    output: () => output,
    childPid(main) {
      const listed = spawnSync('ps', ['-o', 'pid=,args=', '--ppid', String(child.pid)], { encoding: 'utf8' }).stdout;
      const line = listed.split('\n').find((l) => l.includes(main));
      return line ? Number(line.trim().split(/\s+/)[0]) : undefined;
    },
    running,
    stop,
  };
}
