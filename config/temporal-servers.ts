import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

// Where scripts/install-temporal.sh leaves the real Temporal servers: a cache outside the clone.

const versions = Object.fromEntries(
  readFileSync(join(__dirname, '..', 'scripts', 'temporal-servers.env'), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => line.split('=') as [string, string]),
);

export const temporalCacheDir = (): string =>
  process.env.RELIEF_TEMPORAL_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'relief-campaigns');

export type TemporalServerKind = 'cli' | 'test-server';

export function temporalServerPath(kind: TemporalServerKind): string {
  return kind === 'cli'
    ? join(temporalCacheDir(), `cli-${versions.TEMPORAL_CLI_VERSION}`, 'temporal')
    : join(temporalCacheDir(), `test-server-${versions.TEMPORAL_TEST_SERVER_VERSION}`, 'temporal-test-server');
}

/** The production topology's executables (scripts/install-temporal.sh stack), for `npm run stack`. */
export function stackExecutablePath(kind: 'server' | 'sql-tool' | 'ui'): string {
  const server = join(temporalCacheDir(), `server-${versions.TEMPORAL_SERVER_VERSION}`);
  if (kind === 'server') return join(server, 'temporal-server');
  if (kind === 'sql-tool') return join(server, 'temporal-sql-tool');
  return join(temporalCacheDir(), `ui-server-${versions.TEMPORAL_UI_SERVER_VERSION}`, 'temporal-ui-server');
}

const toolchainFor: Record<TemporalServerKind, string[]> = { cli: ['go'], 'test-server': ['java', 'mvn'] };

const onPath = (command: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

export type ServerExecutable = { type: 'existing-path'; path: string } | { type: 'cached-download' };

/**
 * The installed server; the SDK's own download only where this machine could not build one
 * (no Go or no Java). A machine that could build it but has not is an error that says how.
 */
export function serverExecutable(kind: TemporalServerKind): ServerExecutable {
  const path = temporalServerPath(kind);
  if (existsSync(path)) return { type: 'existing-path', path };
  if (toolchainFor[kind].every(onPath)) {
    throw new Error(`The Temporal ${kind} is not installed at ${path}. Install it with: npm run temporal:install`);
  }
  return { type: 'cached-download' };
}
