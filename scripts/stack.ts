import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { delimiter, dirname, join } from 'node:path';
import { Client as PgClient } from 'pg';
import { startPostgres, type PostgresServer } from '../db/postgres-server';
import { stackExecutablePath, temporalServerPath } from '../config/temporal-servers';
import { demoAppEnv, demoSecrets } from './demo-secrets';

// `npm run stack`: the production topology on one machine — a private PostgreSQL (Temporal's
// persistence and visibility, and the app's own database), a two-node Temporal cluster behind one
// frontend address, the Web UI server with the API's codec endpoint, two worker and two API
// processes — from the same deploy/ files as docker-compose.yml. Ctrl-C stops it all in order.
// test/stack.test.ts drives the same functions and injects faults with them.

const ROOT = join(__dirname, '..');

/** The files docker-compose.yml mounts too; test/compose.test.ts checks that both use these. */
export const DEPLOY_FILES = {
  serverConfig: 'deploy/temporal/server.yaml',
  dynamicConfig: 'deploy/dynamicconfig/relief.yaml',
  uiConfig: 'deploy/ui/relief.yaml',
  schemaScript: 'deploy/scripts/setup-postgres.sh',
  namespaceScript: 'deploy/scripts/create-namespace.sh',
} as const;

/** The ports one Temporal node serves on; a second node on the same machine needs its own set. */
export interface NodePorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
  metrics: number;
}

export interface StackPorts {
  postgres: number;
  /** The cluster's one address for clients: a TCP balancer over the nodes' frontends. */
  frontend: number;
  nodes: NodePorts[];
  ui: number;
  apis: number[];
  workerMetrics: number[];
}

const nodePorts = (base: number, metrics: number): NodePorts => ({
  frontend: base + 33,
  frontendHttp: base + 43,
  history: base + 34,
  matching: base + 35,
  worker: base + 39,
  frontendMembership: base - 300 + 33,
  historyMembership: base - 300 + 34,
  matchingMembership: base - 300 + 35,
  workerMembership: base - 300 + 39,
  metrics,
});

/** `npm run stack`'s ports (README "Production topology"); 7233 is the balancer, 8233 is left to `npm start`'s UI. */
export const DEFAULT_PORTS: StackPorts = {
  postgres: 55432,
  frontend: 7233,
  nodes: [nodePorts(7300, 9091), nodePorts(7400, 9092)],
  ui: 8080,
  apis: [3000, 3001],
  workerMetrics: [9464, 9465],
};

/** Ports for a stack beside another one: a block of free-looking ports from `base` (tests). */
export function portsFrom(base: number): StackPorts {
  return {
    postgres: base,
    frontend: base + 1,
    nodes: [nodePorts(base + 400, base + 2), nodePorts(base + 500, base + 3)],
    ui: base + 4,
    apis: [base + 5, base + 6],
    workerMetrics: [base + 7, base + 8],
  };
}

export interface StackOptions {
  dataDir: string;
  ports: StackPorts;
  /** The namespace's retention of closed workflows, e.g. 30d or 720h. */
  retention: string;
  namespace: string;
  /** The app's own settings (secrets, tokens, keys) for the workers and APIs. */
  appEnv: Record<string, string>;
  /** A prebuilt workflow bundle: the workers then start in seconds. */
  workflowBundle?: string;
  /** Tests trade PostgreSQL's fsync for speed. */
  durable?: boolean;
  log?: (line: string) => void;
}

export interface Service {
  name: string;
  /** SIGKILL, as a crash or the OOM killer would. */
  kill(): Promise<void>;
  /** SIGTERM and wait (SIGKILL after 20 s). */
  stop(): Promise<void>;
  start(): Promise<void>;
}

export interface Stack {
  ports: StackPorts;
  /** postgres://… of the app's own database (DATABASE_URL). */
  databaseUrl: string;
  address: string;
  uiUrl: string;
  apiUrls: string[];
  nodes: Service[];
  workers: Service[];
  apis: Service[];
  ui: Service;
  /** Stops PostgreSQL and starts it again on the same data directory. */
  restartPostgres(): Promise<void>;
  /** Everything, in order: APIs, workers, UI, Temporal nodes, balancer, PostgreSQL. */
  stop(): Promise<void>;
  /** Resolves when any process exits without being asked to. */
  died: Promise<string>;
}


export function waitForPort(port: number, timeoutMs: number, what = `port ${port}`): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`${what}: nothing listens on ${port} after ${timeoutMs} ms`));
        else setTimeout(attempt, 200);
      });
    };
    attempt();
  });
}

/** Waits until a log file gains a line containing `text` after the size it had when called (so a restart's own line counts). */
async function waitForLogLine(file: string, text: string, timeoutMs: number, what: string): Promise<void> {
  const from = existsSync(file) ? statSync(file).size : 0;
  const deadline = Date.now() + timeoutMs;
  while (!(existsSync(file) && readFileSync(file).subarray(from).toString().includes(text))) {
    if (Date.now() > deadline) throw new Error(`${what}: no "${text}" in ${file} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Runs a script of deploy/ to its end, with its output in the log file; rejects with the output's tail. */
function runScript(script: string, env: NodeJS.ProcessEnv, logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(logFile, { flags: 'a' });
    const child = spawn('/bin/sh', [join(ROOT, script)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (chunk: Buffer) => {
      out.write(chunk);
      tail = (tail + chunk.toString()).slice(-2000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('exit', (code) => {
      out.end();
      if (code === 0) resolve();
      else reject(new Error(`${script} exited with ${code}:\n${tail}`));
    });
  });
}

/**
 * A long-running process with its output in logs/<name>.log. `ready` says when it serves; an exit
 * nobody asked for is reported through `onDeath`.
 */
function service(name: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv, logDir: string, ready: () => Promise<void>, onDeath: (name: string) => void): Service {
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let expected = false;
  const alive = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  const signal = async (sig: NodeJS.Signals, graceMs: number) => {
    expected = true;
    if (alive()) child!.kill(sig);
    // An unref'd grace timer: a process that exits at once must not keep the launcher (or jest) alive.
    await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs).unref())]);
    if (alive()) child!.kill('SIGKILL');
    await exited;
  };
  return {
    name,
    async start() {
      const out = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
      expected = false;
      // A process group of its own: a terminal's Ctrl-C reaches only the launcher, which stops the parts in order.
      const started = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      child = started;
      // Two sources into one log: neither may end it (the other may still write), 'close' does once both are done.
      started.stdout!.pipe(out, { end: false });
      started.stderr!.pipe(out, { end: false });
      started.once('close', () => out.end());
      exited = new Promise((resolve) =>
        started.once('exit', () => {
          if (!expected) onDeath(name);
          resolve();
        }),
      );
      await Promise.race([ready(), exited.then(() => Promise.reject(new Error(`${name} exited at start; see ${join(logDir, `${name}.log`)}`)))]);
    },
    kill: () => signal('SIGKILL', 0),
    stop: () => signal('SIGTERM', 20_000),
  };
}

/**
 * What a load balancer does in front of a cluster's frontends: each client connection goes to the
 * next node that accepts it, so clients keep one address while a node is down.
 */
function frontendBalancer(port: number, backends: number[]): Promise<{ close(): Promise<void> }> {
  let next = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    const tryBackend = (left: number) => {
      const upstream = connect(backends[next++ % backends.length]!, '127.0.0.1');
      let connected = false;
      upstream.once('connect', () => {
        connected = true;
        sockets.add(upstream);
        upstream.once('close', () => sockets.delete(upstream));
        client.pipe(upstream).pipe(client);
        client.on('error', () => upstream.destroy());
      });
      upstream.on('error', () => {
        upstream.destroy();
        // A node that refuses is down: the next one gets the connection. One that fails later ends it.
        if (!connected && left > 1) tryBackend(left - 1);
        else client.destroy();
      });
    };
    tryBackend(backends.length);
  });
  // Open connections end first, or close() would wait for clients that never hang up.
  const close = () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    sockets.forEach((s) => s.destroy());
    return closed;
  };
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve({ close }));
  });
}

/** What deploy/temporal/server.yaml reads for one node of the stack's cluster on loopback. */
export function temporalNodeEnv(p: NodePorts, db: Record<string, string>, clusterAddress: string): Record<string, string> {
  return {
    ...db,
    DYNAMIC_CONFIG_FILE_PATH: join(ROOT, DEPLOY_FILES.dynamicConfig),
    BIND_ON_IP: '127.0.0.1',
    TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1',
    TEMPORAL_CLUSTER_ADDRESS: clusterAddress,
    FRONTEND_GRPC_PORT: String(p.frontend),
    FRONTEND_HTTP_PORT: String(p.frontendHttp),
    FRONTEND_MEMBERSHIP_PORT: String(p.frontendMembership),
    HISTORY_GRPC_PORT: String(p.history),
    HISTORY_MEMBERSHIP_PORT: String(p.historyMembership),
    MATCHING_GRPC_PORT: String(p.matching),
    MATCHING_MEMBERSHIP_PORT: String(p.matchingMembership),
    WORKER_GRPC_PORT: String(p.worker),
    WORKER_MEMBERSHIP_PORT: String(p.workerMembership),
    PROMETHEUS_ENDPOINT: `127.0.0.1:${p.metrics}`,
    PPROF_PORT: '0',
  };
}

/** 30d → 720h: the CLI's --retention takes hours. */
export function retentionHours(retention: string): string {
  const match = /^(\d+)([dh])$/.exec(retention.trim());
  if (!match) throw new Error(`STACK_RETENTION: a number of days or hours such as 30d or 720h, not "${retention}"`);
  return `${Number(match[1]) * (match[2] === 'd' ? 24 : 1)}h`;
}

const TEMPORAL_DB_USER = 'temporal';

/** Temporal's own role, with the password the server config gets; trust on loopback makes it a formality here, as in compose. */
async function ensureTemporalRole(postgres: PostgresServer, password: string): Promise<void> {
  const client = new PgClient({ connectionString: postgres.urlFor('postgres') });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [TEMPORAL_DB_USER]);
    if (!rowCount) await client.query(`CREATE ROLE ${TEMPORAL_DB_USER} LOGIN CREATEDB PASSWORD '${password.replace(/'/g, "''")}'`);
  } finally {
    await client.end();
  }
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const { dataDir, ports, namespace } = options;
  const log = options.log ?? (() => {});
  const logDir = join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const server = stackExecutablePath('server');
  const sqlTool = stackExecutablePath('sql-tool');
  const uiServer = stackExecutablePath('ui');
  for (const path of [server, sqlTool, uiServer]) {
    if (!existsSync(path)) throw new Error(`${path} is missing: npm run temporal:install -- stack`);
  }
  const cli = temporalServerPath('cli');
  // deploy/'s scripts call temporal-sql-tool and temporal by name, as in the admin-tools image.
  const PATH = [dirname(sqlTool), dirname(cli), process.env.PATH].join(delimiter);
  const base = { PATH, HOME: process.env.HOME };
  const password = options.appEnv.POSTGRES_PASSWORD ?? 'temporal';

  let reportDeath: (name: string) => void = () => {};
  const died = new Promise<string>((resolve) => (reportDeath = resolve));
  let stopping = false;
  const deathReport = (name: string) => {
    if (!stopping) reportDeath(name);
  };
  const stopped: (() => Promise<void>)[] = [];

  const pgOptions = { dataDir: join(dataDir, 'postgres'), port: ports.postgres, database: 'relief', durable: options.durable ?? true, log };
  let postgres = await startPostgres(pgOptions);
  let balancer: { close(): Promise<void> } | undefined;
  /** In the order they start; each tier stops together, the last first. */
  const tiers: Service[][] = [];
  const stop = async () => {
    stopping = true;
    for (const tier of [...tiers].reverse()) await Promise.all(tier.map((s) => s.stop().catch(() => undefined)));
    await balancer?.close();
    await postgres.stop();
    for (const more of stopped) await more();
  };
  try {
    await ensureTemporalRole(postgres, password);
    const dbEnv = { POSTGRES_SEEDS: '127.0.0.1', DB_PORT: String(ports.postgres), POSTGRES_USER: TEMPORAL_DB_USER };
    log('temporal: schema (temporal, temporal_visibility)');
    await runScript(DEPLOY_FILES.schemaScript, { ...base, ...dbEnv, SQL_PASSWORD: password }, join(logDir, 'schema.log'));

    const address = `127.0.0.1:${ports.frontend}`;
    const nodes = ports.nodes.map((p, i) =>
      service(
        `temporal-${i + 1}`,
        server,
        ['--config-file', join(ROOT, DEPLOY_FILES.serverConfig), '--allow-no-auth', 'start'],
        { ...base, ...temporalNodeEnv(p, { ...dbEnv, POSTGRES_PWD: password }, address) },
        logDir,
        () => waitForPort(p.frontend, 120_000, `temporal-${i + 1}`),
        deathReport,
      ),
    );
    tiers.push(nodes);
    // The first node creates the cluster's metadata; the second joins it.
    log('temporal: node 1');
    await nodes[0]!.start();
    log('temporal: node 2');
    await nodes[1]!.start();
    balancer = await frontendBalancer(ports.frontend, ports.nodes.map((p) => p.frontend));

    log(`temporal: namespace ${namespace} (retention ${options.retention}) and search attributes`);
    await runScript(DEPLOY_FILES.namespaceScript, { ...base, TEMPORAL_ADDRESS: address, NAMESPACE: namespace, NAMESPACE_RETENTION: retentionHours(options.retention) }, join(logDir, 'namespace.log'));

    const uiOrigins = [`http://localhost:${ports.ui}`, `http://127.0.0.1:${ports.ui}`];
    const ui = service(
      'temporal-ui',
      uiServer,
      ['--root', ROOT, '--config', dirname(DEPLOY_FILES.uiConfig), '--env', 'relief', 'start'],
      {
        ...base,
        TEMPORAL_ADDRESS: address,
        TEMPORAL_UI_HOST: '127.0.0.1',
        TEMPORAL_UI_PORT: String(ports.ui),
        TEMPORAL_DEFAULT_NAMESPACE: namespace,
        TEMPORAL_CORS_ORIGINS: uiOrigins.join(','),
        // Plain http on loopback: the CSRF cookie cannot be Secure.
        TEMPORAL_CSRF_COOKIE_INSECURE: 'true',
        TEMPORAL_CODEC_ENDPOINT: `http://localhost:${ports.apis[0]}/codec`,
      },
      logDir,
      () => waitForPort(ports.ui, 60_000, 'temporal-ui'),
      deathReport,
    );
    tiers.push([ui]);

    const appEnv = {
      ...base,
      ...options.appEnv,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: namespace,
      DATABASE_URL: postgres.url,
      ...(options.workflowBundle ? { WORKER_WORKFLOW_BUNDLE: options.workflowBundle } : {}),
    };
    // node --import tsx, not the tsx CLI: the process a signal reaches is the worker (or API) itself.
    const node = (entry: string): [string, string[]] => [process.execPath, ['--import', 'tsx', entry]];
    const workers = ports.workerMetrics.map((metrics, i) =>
      service(`worker-${i + 1}`, ...node('worker/main.ts'), { ...appEnv, WORKER_METRICS_ADDRESS: `127.0.0.1:${metrics}` }, logDir, async () => {
        // Polling, not merely up: the metrics port opens before the workflow bundle is built.
        await waitForLogLine(join(logDir, `worker-${i + 1}.log`), '"event":"worker-started"', 180_000, `worker-${i + 1}`);
        await waitForPort(metrics, 10_000, `worker-${i + 1} metrics`);
      }, deathReport),
    );
    const apis = ports.apis.map((port, i) =>
      service(`api-${i + 1}`, ...node('api/main.ts'), { ...appEnv, API_PORT: String(port), API_CODEC_CORS_ORIGINS: uiOrigins.join(',') }, logDir, () => waitForPort(port, 60_000, `api-${i + 1}`), deathReport),
    );
    tiers.push(workers, apis);
    log('ui, workers and APIs');
    await Promise.all([ui, ...workers, ...apis].map((s) => s.start()));

    return {
      ports,
      databaseUrl: postgres.url,
      address,
      uiUrl: `http://127.0.0.1:${ports.ui}`,
      apiUrls: ports.apis.map((p) => `http://127.0.0.1:${p}`),
      nodes,
      workers,
      apis,
      ui,
      async restartPostgres() {
        await postgres.stop();
        postgres = await startPostgres(pgOptions);
      },
      stop,
      died,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function main() {
  const dataDir = join(ROOT, '.data', 'stack');
  mkdirSync(dataDir, { recursive: true });
  const secrets = demoSecrets(join(dataDir, 'secrets.json'));
  const started = Date.now();
  const stack = await startStack({
    dataDir,
    ports: DEFAULT_PORTS,
    retention: process.env.STACK_RETENTION ?? '30d',
    namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
    appEnv: { ...demoAppEnv(secrets), ...process.env } as Record<string, string>,
    log: (line) => console.log(`[stack] ${line}`),
  });
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('[stack] stopping: APIs, workers, UI, Temporal nodes, PostgreSQL');
    await stack.stop();
    process.exit(code);
  };
  // on, not once: a second Ctrl-C must not kill the launcher before it has stopped the rest.
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  void stack.died.then((name) => {
    console.error(`[stack] ${name} exited; stopping everything (its log: ${join(dataDir, 'logs', `${name}.log`)})`);
    void stopAll(1);
  });
  const p = stack.ports;
  console.log(
    [
      '',
      `The production topology is running (up in ${Math.round((Date.now() - started) / 1000)} s). Ctrl-C stops everything; data stays in .data/stack/.`,
      `  Temporal frontend   ${stack.address}   (balancer over nodes :${p.nodes.map((n) => n.frontend).join(', :')})`,
      `  Temporal Web UI     http://localhost:${p.ui}`,
      `  HTTP API            ${p.apis.map((a) => `http://localhost:${a}`).join(', ')}   (metrics: /metrics)`,
      `  Worker metrics      ${p.workerMetrics.map((m) => `http://127.0.0.1:${m}/metrics`).join(', ')}`,
      `  Server metrics      ${p.nodes.map((n) => `http://127.0.0.1:${n.metrics}/metrics`).join(', ')}`,
      `  PostgreSQL          ${stack.databaseUrl}   (also temporal, temporal_visibility)`,
      `  Logs                ${join(dataDir, 'logs')}/`,
      '',
      'Bearer tokens (kept in .data/stack/secrets.json):',
      ...Object.entries(secrets.tokens).map(([subject, token]) => `  ${subject.padEnd(26)} ${token}`),
      '',
    ].join('\n'),
  );
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
