import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';

// A private PostgreSQL server on a data directory of its own: `npm start` keeps one under .data/,
// the tests start one in a temporary directory, `npm run stack` one under .data/stack/. Debian's
// server binaries (scripts/install-postgres.sh) run as the `postgres` user when we are root,
// since PostgreSQL refuses to run as root.

export interface PostgresServer {
  /** postgres://… for the database asked for (created when missing). */
  url: string;
  port: number;
  dataDir: string;
  /** A URL for another database on the same server. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  dataDir: string;
  port: number;
  database: string;
  /** Tests trade durability for speed; a real run keeps fsync on. */
  durable?: boolean;
  log?: (line: string) => void;
}

const SUPERUSER = 'relief';

export function postgresBinDir(): string {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'postgres'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error('no PostgreSQL server binaries in /usr/lib/postgresql: run bash scripts/install-postgres.sh (apt-get install postgresql)');
  return join(root, newest, 'bin');
}

/** As root, the server runs as `postgres`; otherwise as whoever we are. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}

export async function startPostgres({ dataDir, port, database, durable = true, log = () => {} }: StartPostgresOptions): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const user = serverUser();
  const socketDir = join(dataDir, 'socket');
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    mkdirSync(dataDir, { recursive: true });
    if (user) chownSync(dataDir, user.uid, user.gid);
    // Trust on loopback only: the server listens on 127.0.0.1 and a socket inside its own data directory.
    const init = spawnSync(join(bin, 'initdb'), ['-D', dataDir, '-U', SUPERUSER, '-A', 'trust', '-E', 'UTF8', '--no-locale'], { ...user, encoding: 'utf8' });
    if (init.status !== 0) throw new Error(`initdb failed in ${dataDir}: ${init.stderr || init.stdout}`);
    log(`postgres: initialised ${dataDir}`);
  }
  mkdirSync(socketDir, { recursive: true });
  if (user) chownSync(socketDir, user.uid, user.gid);
  const settings = ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${socketDir}`, '-c', 'max_connections=200'];
  if (!durable) settings.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const child: ChildProcess = spawn(join(bin, 'postgres'), ['-D', dataDir, '-p', String(port), ...settings], { ...user, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

  const urlFor = (db: string) => `postgres://${SUPERUSER}@127.0.0.1:${port}/${db}`;
  await waitUntilAccepting(urlFor('postgres'), exited, () => stderr);
  await createDatabaseIfMissing(urlFor('postgres'), database);
  log(`postgres: ${urlFor(database)} (data in ${dataDir})`);

  return {
    url: urlFor(database),
    port,
    dataDir,
    urlFor,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // SIGINT is PostgreSQL's fast shutdown: open sessions are ended, nothing committed is lost.
      child.kill('SIGINT');
      await exited;
    },
  };
}

async function waitUntilAccepting(url: string, exited: Promise<number | null>, stderr: () => string): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (gone) throw new Error(`postgres exited at start: ${stderr()}`);
    const client = new Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (err) {
      await client.end().catch(() => {});
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 30 s: ${(err as Error).message}; ${stderr()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export async function createDatabaseIfMissing(adminUrl: string, database: string, template?: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`database name ${database} is not a plain lower-case identifier`);
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${database}${template ? ` TEMPLATE ${template}` : ''}`);
  } finally {
    await client.end();
  }
}
