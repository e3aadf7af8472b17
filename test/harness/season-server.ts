import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporalServerPath } from '../../config/temporal-servers';
import { addSearchAttributes } from '../../worker/search-attributes';
import { testDataConverter } from './temporal';

// A time-skipping server whose clock starts at a given instant. Time skipping only moves forward
// from the server's start, and the stock test server starts at the machine's clock: a season that
// has passed (the 2026 Spring Festival, the last one the calendar data covers) needs its own start.
// java/SeasonTestServer.java starts the same Java test server classes at that instant.

const SOURCE = join(__dirname, 'java', 'SeasonTestServer.java');

function compiled(lib: string): string {
  const source = readFileSync(SOURCE);
  const dir = join(tmpdir(), `relief-season-server-${createHash('sha256').update(source).digest('hex').slice(0, 12)}`);
  if (!existsSync(join(dir, 'SeasonTestServer.class'))) {
    mkdirSync(dir, { recursive: true });
    execFileSync('javac', ['-cp', `${lib}/*`, '-d', dir, SOURCE], { stdio: 'inherit' });
  }
  return dir;
}

/**
 * The Java time-skipping server with its clock starting at `start` (now by default), then moving
 * on by itself and by skipping; started and waited for here, so a busy machine cannot fail it.
 */
export async function createTimeSkippingEnvAt(start = new Date().toISOString()): Promise<TestWorkflowEnvironment> {
  const lib = join(dirname(temporalServerPath('test-server')), 'lib');
  const classes = compiled(lib);
  const port = await freePort();
  const server = spawn('java', ['-Xss4m', '-XX:TieredStopAtLevel=1', '-cp', `${classes}:${lib}/*`, 'SeasonTestServer', String(port), String(Date.parse(start))], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  try {
    // Waited for here rather than by the SDK, whose 5 s a JVM on two busy cores often misses.
    await listening(port, 120_000);
    // The SDK's own factory for a server it did not start, with its time-skipping service: the
    // public createFromExistingServer turns time skipping off.
    const factory = TestWorkflowEnvironment as unknown as { create(opts: object): Promise<TestWorkflowEnvironment> };
    const env = await factory.create({ server: { type: 'existing' }, supportsTimeSkipping: true, address: `127.0.0.1:${port}`, namespace: 'default', client: { dataConverter: testDataConverter } });
    await addSearchAttributes(env.connection, env.namespace ?? 'default');
    const teardown = env.teardown.bind(env);
    return Object.assign(env, {
      async teardown() {
        await teardown();
        server.kill('SIGTERM');
        await exited;
      },
    });
  } catch (err) {
    server.kill('SIGKILL');
    throw err;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

async function listening(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) return;
    if (Date.now() > deadline) throw new Error(`the season test server did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
