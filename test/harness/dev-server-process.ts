import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { temporalServerPath } from '../../config/temporal-servers';
import { campaignSearchAttributes } from '../../domain/search-attributes';

// A Temporal dev server as our own process on a SQLite file, so a test can kill it and start it
// again on the same file and port (an outage that keeps the data).

export interface DevServerProcess {
  /** host:port, the same across restarts. */
  address: string;
  start(): void;
  /** SIGKILL (no clean shutdown), and wait until it is gone. */
  stop(): Promise<void>;
  /** Stops it and removes its database. */
  remove(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export async function devServerProcess(): Promise<DevServerProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'relief-dev-server-'));
  const port = await freePort();
  let server: ChildProcess | undefined;
  const attributes = campaignSearchAttributes.flatMap((key) => ['--search-attribute', `${key.name}=${key.type === 'KEYWORD' ? 'Keyword' : 'Datetime'}`]);
  const stop = async () => {
    const running = server;
    server = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise((resolve) => {
      running.once('exit', resolve);
      running.kill('SIGKILL');
    });
  };
  return {
    address: `127.0.0.1:${port}`,
    start() {
      server = spawn(
        temporalServerPath('cli'),
        ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--db-filename', join(dataDir, 'temporal.db'), '--namespace', 'default', '--log-level', 'error',
          '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true', ...attributes],
        { stdio: 'ignore' },
      );
    },
    stop,
    async remove() {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
