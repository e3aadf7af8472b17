import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { z } from 'zod';
import { campaignSearchAttributes } from '../domain/search-attributes';
import { EXAMPLES } from '../examples/example';
import { temporalServerPath } from '../config/temporal-servers';
import { startPostgres } from '../db/postgres-server';
import { demoAppEnv, demoSecrets } from './demo-secrets';
import { waitForPort } from './stack';
import { supervise } from './supervise';

// `npm start`: the whole system on this machine — the Temporal dev server (SQLite file in .data/,
// so campaigns survive a restart; Web UI on :8233), the worker and the API (restarted with backoff
// when they crash) — stopped together on Ctrl-C. Settings from the environment win over the demo
// defaults made here.

const ROOT = join(__dirname, '..');

/**
 * Where the system keeps its data and which ports it takes. The defaults are the ones the README
 * and examples/*.json name; RELIEF_DATA_DIR and the *_PORT variables move them, so a second system
 * (a test's) runs beside the first. Read once; a bad value stops the launcher naming it.
 */
const port = (fallback: number) => z.coerce.number().int().min(1).max(65_535).default(fallback);
const settings = z
  .object({
    RELIEF_DATA_DIR: z.string().min(1).default(join(ROOT, '.data')),
    TEMPORAL_PORT: port(7233),
    TEMPORAL_UI_PORT: port(8233),
    /** The record's own PostgreSQL (data in <data dir>/postgres), not the machine's cluster on 5432. */
    POSTGRES_PORT: port(5433),
    /** Where examples/*.json send notifications: printed here, one line each, in place of real receivers. */
    DEMO_INBOX_PORT: port(8234),
  })
  .safeParse(process.env);
if (!settings.success) {
  console.error(settings.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
  process.exit(1);
}
const { RELIEF_DATA_DIR: DATA, TEMPORAL_PORT, TEMPORAL_UI_PORT: UI_PORT, POSTGRES_PORT, DEMO_INBOX_PORT } = settings.data;

type Stoppable = { name: string; stop: () => Promise<void> };

function startProcess(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, onExit: (code: number | null) => void): Stoppable {
  const child: ChildProcess = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] });
  let stopping = false;
  const exited = new Promise<void>((resolve) => child.once('exit', (code) => (stopping ? resolve() : onExit(code))));
  return {
    name,
    stop: async () => {
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

function startDemoInbox(): Stoppable {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const n = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { kind: string; recipient: { role: string; id: string }; message: string };
        console.log(`[inbox] ${n.kind} → ${n.recipient.role} ${n.recipient.id}: ${n.message}`);
        res.writeHead(204).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  }).listen(DEMO_INBOX_PORT, '127.0.0.1');
  return { name: 'demo-inbox', stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function startTemporal(onExit: (code: number | null) => void): Promise<Stoppable> {
  const dbFilename = join(DATA, 'temporal.db');
  const cli = temporalServerPath('cli');
  if (!existsSync(cli)) {
    // No Go toolchain here: let the SDK download its dev server, same database file and ports.
    const env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'cached-download' }, port: TEMPORAL_PORT, ui: true, uiPort: UI_PORT, dbFilename, searchAttributes: [...campaignSearchAttributes] },
    });
    return { name: 'temporal', stop: () => env.teardown() };
  }
  const args = [
    'server', 'start-dev',
    '--db-filename', dbFilename,
    '--ip', '127.0.0.1', '--port', String(TEMPORAL_PORT), '--ui-port', String(UI_PORT),
    '--namespace', 'default', '--log-level', 'warn',
    // The UI decrypts payloads through the API (coordinator token only; docs/operations.md).
    '--ui-codec-endpoint', `http://localhost:${process.env.API_PORT ?? '3000'}/codec`,
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true',
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
    ...campaignSearchAttributes.flatMap((key) => ['--search-attribute', `${key.name}=${key.type === 'DATETIME' ? 'Datetime' : 'Keyword'}`]),
  ];
  const server = startProcess('temporal', cli, args, process.env, onExit);
  await waitForPort(TEMPORAL_PORT, 60_000);
  return server;
}

async function main() {
  mkdirSync(DATA, { recursive: true });
  const secrets = demoSecrets(join(DATA, 'demo-secrets.json'));
  const demo = demoAppEnv(secrets);
  const running: Stoppable[] = [];
  const postgres = process.env.DATABASE_URL ? undefined : await startPostgres({ dataDir: join(DATA, 'postgres'), port: POSTGRES_PORT, database: 'relief', log: (line) => console.log(line) });
  if (postgres) running.push({ name: 'postgres', stop: () => postgres.stop() });
  const env: NodeJS.ProcessEnv = {
    DATABASE_URL: postgres?.url,
    HOUSEHOLD_KEY_SECRET: secrets.householdKeySecret,
    ...process.env,
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS ?? `127.0.0.1:${TEMPORAL_PORT}`,
    WEBHOOK_SIGNING_SECRET: process.env.WEBHOOK_SIGNING_SECRET ?? demo.WEBHOOK_SIGNING_SECRET,
    API_TOKENS: process.env.API_TOKENS ?? demo.API_TOKENS,
    PAYLOAD_KEYS: process.env.PAYLOAD_KEYS ?? demo.PAYLOAD_KEYS,
    API_CODEC_CORS_ORIGINS: process.env.API_CODEC_CORS_ORIGINS ?? `http://localhost:${UI_PORT}`,
  };
  const apiPort = env.API_PORT ?? '3000';

  let stopping = false;
  const stopAll = async (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    // The API first (no new work), then the worker (finishes its tasks), then the server.
    for (const part of running.reverse()) await part.stop().catch(() => undefined);
    process.exit(exitCode);
  };
  const died = (name: string) => (code: number | null) => {
    console.error(`${name} exited (code ${code}); stopping everything`);
    void stopAll(1);
  };
  // on, not once: a second Ctrl-C must not kill the launcher before it has stopped the rest.
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    running.push(startDemoInbox());
    running.push(await startTemporal(died('temporal')));
    // A crashed worker or API is started again (scripts/supervise.ts); only Ctrl-C stops them.
    // --import tsx, not the tsx CLI: the process we stop is the worker (or API) itself, not a wrapper.
    const node = (main: string) => () => spawn(process.execPath, ['--import', 'tsx', main], { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] });
    running.push(supervise('worker', node('worker/main.ts')));
    running.push(supervise('api', node('api/main.ts')));
    // Generous: on a busy machine the API's first start (tsx compiling it) has taken over a minute.
    await waitForPort(Number(apiPort), 300_000);
  } catch (err) {
    // A start that fails stops what it had started, rather than leaving it running unowned.
    console.error(err instanceof Error ? err.message : err);
    return stopAll(1);
  }

  const tokenLines = process.env.API_TOKENS
    ? ['  (tokens from your API_TOKENS)']
    : Object.entries(secrets.tokens).map(([subject, token]) => `  ${subject.padEnd(26)} ${token}`);
  console.log(
    [
      '',
      `Relief campaigns are running. Ctrl-C stops everything; the record is kept in ${join(DATA, 'postgres')}, the process in ${join(DATA, 'temporal.db')}.`,
      `  PostgreSQL        ${env.DATABASE_URL}`,
      `  Temporal Web UI   http://localhost:${UI_PORT}`,
      `  HTTP API          http://localhost:${apiPort}   (docs: http://localhost:${apiPort}/docs)`,
      `  Temporal server   127.0.0.1:${TEMPORAL_PORT}`,
      `  Demo inbox        http://127.0.0.1:${DEMO_INBOX_PORT}   (examples/*.json notify here; lines start with [inbox])`,
      '',
      `Demo bearer tokens (kept in ${join(DATA, 'demo-secrets.json')}):`,
      ...tokenLines,
      '',
      "Run an example from the seed's plans end to end, ending with its upward report:",
      ...EXAMPLES.map((name) => `  npx tsx examples/run.ts ${name}`),
      '',
      'Start the example campaign:',
      `  curl -si http://localhost:${apiPort}/campaigns -H "Authorization: Bearer <coordinator token>" -H 'Content-Type: application/json' -d @examples/union-winter.json`,
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
