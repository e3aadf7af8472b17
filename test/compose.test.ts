import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { CONFIG_ENV_KEYS, loadConfig } from '../config';
import { serverExecutable } from '../config/temporal-servers';
import { campaignSearchAttributes } from '../domain/search-attributes';
import { DEFAULT_PORTS, DEPLOY_FILES, temporalNodeEnv } from '../scripts/stack';
import { createDevServerEnv, uniqueId } from './harness/temporal';

// No Docker engine runs here, so docker-compose.yml is checked against the code instead: what the
// config reads, the ports, the service names, the task queue, the images and the scripts it runs.

const ROOT = resolve(__dirname, '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const run = promisify(execFile);

type EnvMap = Record<string, string | null>;
interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  entrypoint?: string[];
  environment?: EnvMap;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  restart?: string;
  container_name?: string;
  deploy?: { replicas?: number };
}

const composeText = read('docker-compose.yml');
const compose = parse(composeText, { merge: true }) as { services: Record<string, Service> };
const services = compose.services;

/** KEY=VALUE lines of an env file; commented-out keys count as documented, not as set. */
function envFile(text: string): { set: Record<string, string>; documented: Map<string, string> } {
  const set: Record<string, string> = {};
  const documented = new Map<string, string>();
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const match = /^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!match) return;
    if (!match[1]) set[match[2]!] = match[3]!;
    // The prose comment above the key, or above the run of keys it belongs to.
    let above = i - 1;
    while (above >= 0 && /^#?\s*[A-Z][A-Z0-9_]*=/.test(lines[above]!)) above--;
    documented.set(match[2]!, /^#\s*\S/.test(lines[above] ?? '') ? lines[above]! : '');
  });
  return { set, documented };
}

/** Compose's interpolation: $$, ${X}, ${X:-default}, ${X-default}, ${X:?error}, ${X?error}. */
function interpolate(value: string, vars: Record<string, string | undefined>): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}/g, (whole, name?: string, colon?: string, op?: string, arg?: string) => {
    if (whole === '$$') return '$';
    const current = vars[name!];
    const missing = current === undefined || (colon === ':' && current === '');
    if (op === '?' && missing) throw new Error(`${name}: ${arg}`);
    if (op === '-' && missing) return arg!;
    return current ?? '';
  });
}

/** A service's environment as its container gets it: a key without a value is passed through or left unset. */
function containerEnv(service: Service, vars: Record<string, string | undefined>): Record<string, string> {
  const env = service.environment ?? {};
  expect(Array.isArray(env)).toBe(false); // the map form is what this test (and the anchors) rely on
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === null) {
      if (vars[key] !== undefined) out[key] = vars[key];
    } else {
      out[key] = interpolate(String(value), vars);
    }
  }
  return out;
}

const example = envFile(read('.env.example'));
const TEST_SECRETS = {
  WEBHOOK_SIGNING_SECRET: 'compose-test-signing-secret-0123',
  HOUSEHOLD_KEY_SECRET: 'compose-test-household-key-secret-0123456789',
  API_TOKENS: 'compose-test-token-0123456789=coordinator:union-office',
  POSTGRES_PASSWORD: 'compose-test-password',
  DATABASE_URL: 'postgres://temporal:compose-test-password@127.0.0.1:5432/relief',
  PAYLOAD_KEYS: `compose-test:${Buffer.alloc(32, 7).toString('base64')}`,
};
const filledIn = { ...example.set, ...TEST_SECRETS };
/** Keys the config cannot do without: the ones loadConfig({}) names. */
const requiredConfigKeys = (() => {
  try {
    loadConfig({});
    return [];
  } catch (err) {
    return CONFIG_ENV_KEYS.filter((key) => (err as Error).message.includes(`${key}:`));
  }
})();
const configDefaults = loadConfig(Object.fromEntries(requiredConfigKeys.map((k) => [k, TEST_SECRETS[k as keyof typeof TEST_SECRETS]])));

const hostPort = (address: string) => {
  const [host, port] = address.split(':');
  return { host: host!, port: Number(port) };
};
/** "[ip:]host:container" → the two ports. */
const published = (mapping: string) => {
  const parts = mapping.split(':');
  return { host: Number(parts.at(-2)), container: Number(parts.at(-1)), ip: parts.length === 3 ? parts[0] : undefined };
};

describe('docker-compose.yml against the code', () => {
  test('given the config keys, the API should set or pass through every one and the worker every one but the API’s own', () => {
    expect(CONFIG_ENV_KEYS.length).toBeGreaterThan(0);
    const apiKeys = Object.keys(services.api!.environment ?? {});
    const workerKeys = Object.keys(services.worker!.environment ?? {});
    expect(CONFIG_ENV_KEYS.filter((key) => !apiKeys.includes(key))).toEqual([]);
    expect(CONFIG_ENV_KEYS.filter((key) => !key.startsWith('API_') && !workerKeys.includes(key))).toEqual([]);
    // Least privilege: the worker never sees who may call the API.
    expect(workerKeys).not.toContain('API_TOKENS');
    const unknown = [...apiKeys, ...workerKeys].filter((key) => !(CONFIG_ENV_KEYS as string[]).includes(key));
    expect(unknown).toEqual([]);
  });

  test('given .env.example with its secrets filled in, when the worker’s and the API’s environments are resolved, the config should load with one address, namespace and task queue', () => {
    const worker = loadConfig(containerEnv(services.worker!, filledIn));
    const api = loadConfig(containerEnv(services.api!, filledIn));
    expect(worker.temporal).toEqual(api.temporal);
    expect(api.temporal.address).toBe('temporal:7233');
    expect(api.temporal.taskQueue).toBe(configDefaults.temporal.taskQueue);
    expect(api.temporal.namespace).toBe(configDefaults.temporal.namespace);
    expect(api.temporal.tls).toBe(false); // a pass-through left unset must not switch TLS on
    expect(worker.webhookSigningSecret).toBe(TEST_SECRETS.WEBHOOK_SIGNING_SECRET);
    expect(api.api.tokens.size).toBe(1);
  });

  test('given a key passed through without a value, the config should have a default for it or leave it optional', () => {
    for (const name of ['worker', 'api']) {
      const env = containerEnv(services[name]!, filledIn);
      const passThrough = Object.entries(services[name]!.environment ?? {}).filter(([, v]) => v === null).map(([k]) => k);
      expect(passThrough.length).toBeGreaterThan(0);
      for (const key of passThrough) {
        const without = { ...env };
        delete without[key];
        expect(() => loadConfig(without)).not.toThrow();
      }
    }
  });

  test('given .env.example as shipped, when the stack is resolved, it should refuse to start and name each empty secret', () => {
    expect(requiredConfigKeys).toContain('WEBHOOK_SIGNING_SECRET');
    // DATABASE_URL is built by compose from POSTGRES_PASSWORD (.env's is npm start's), so it is no secret of its own.
    const derived = ['DATABASE_URL'];
    expect(containerEnv(services.api!, filledIn).DATABASE_URL).toBe(`postgres://temporal:${TEST_SECRETS.POSTGRES_PASSWORD}@postgresql:5432/relief`);
    for (const key of [...requiredConfigKeys.filter((k) => !derived.includes(k)), 'API_TOKENS', 'POSTGRES_PASSWORD']) {
      expect(example.set[key]).toBe(''); // no placeholder secret ships
      const users = Object.entries(services).filter(([, s]) => JSON.stringify(s.environment ?? {}).includes(`\${${key}`));
      expect(users.length).toBeGreaterThan(0);
      for (const [, service] of users) {
        expect(() => containerEnv(service, { ...filledIn, [key]: '' })).toThrow(key);
      }
    }
  });

  test('given the services, every TEMPORAL_ADDRESS, database seed and depends_on should name a service that exists, on the port it serves', () => {
    const names = Object.keys(services);
    const temporalPort = Number(services.temporal!.healthcheck?.test.at(-1)); // nc -z localhost <port>
    expect(temporalPort).toBe(7233);
    const addresses = Object.entries(services).flatMap(([name, s]) => {
      const env = containerEnv(s, filledIn);
      return env.TEMPORAL_ADDRESS ? [[name, env.TEMPORAL_ADDRESS] as const] : [];
    });
    expect(addresses.map(([name]) => name).sort()).toEqual(['api', 'temporal-namespace', 'temporal-ui', 'worker']);
    for (const [, address] of addresses) expect(hostPort(address)).toEqual({ host: 'temporal', port: temporalPort });
    for (const s of Object.values(services)) {
      const seeds = containerEnv(s, filledIn).POSTGRES_SEEDS;
      if (seeds) expect(names).toContain(seeds);
    }
    for (const [name, s] of Object.entries(services)) {
      for (const [target, { condition }] of Object.entries(s.depends_on ?? {})) {
        expect([name, target, names.includes(target)]).toEqual([name, target, true]);
        if (condition === 'service_healthy') expect(services[target]!.healthcheck?.test.length).toBeGreaterThan(0);
        // A job that restarts whatever its exit code never counts as completed.
        if (condition === 'service_completed_successfully') expect(services[target]!.restart ?? 'no').toMatch(/^(no|on-failure(:\d+)?)$/);
      }
    }
    for (const app of ['worker', 'api']) {
      expect(services[app]!.depends_on).toEqual({
        temporal: { condition: 'service_healthy' },
        'temporal-namespace': { condition: 'service_completed_successfully' },
      });
    }
  });

  test('given the ports, the API should publish 3000 to the port it listens on, the UI 8080, and the worker none so it scales', () => {
    const apiPort = loadConfig(containerEnv(services.api!, filledIn)).api.port;
    expect((services.api!.ports ?? []).map(published)).toEqual([{ host: 3000, container: apiPort, ip: undefined }]);
    expect((services['temporal-ui']!.ports ?? []).map(published)).toEqual([{ host: 8080, container: 8080, ip: '127.0.0.1' }]);
    expect(services.worker!.ports).toBeUndefined();
    expect(services.worker!.container_name).toBeUndefined();
    expect(services.worker!.deploy?.replicas).toBeGreaterThanOrEqual(2);
    const hostPorts = Object.values(services).flatMap((s) => (s.ports ?? []).map((p) => published(p).host));
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
  });

  test('given every service, its image should be pinned to a version tag and the long-running ones should have health checks', () => {
    for (const [name, s] of Object.entries(services)) {
      const image = interpolate(s.image ?? '', filledIn);
      expect([name, image]).toEqual([name, expect.stringMatching(/^[a-z0-9./-]+:[A-Za-z0-9][\w.-]*$/)]);
      expect([name, image]).not.toEqual([name, expect.stringMatching(/:latest$/)]);
    }
    expect(services.temporal!.image).toMatch(/^temporalio\/server:/); // auto-setup is deprecated
    for (const name of ['postgresql', 'temporal', 'temporal-ui', 'api']) {
      expect([name, (services[name]!.healthcheck?.test ?? []).length > 1]).toEqual([name, true]);
    }
    const from = read('Dockerfile').split('\n').filter((line) => /^FROM\s/i.test(line));
    expect(from.length).toBeGreaterThanOrEqual(2);
    for (const line of from) expect(line).toMatch(/^FROM node:20-bookworm-slim(\s+AS\s+\w+)?$/);
  });

  test('given the image, both processes should run compiled entry points whose imports never reach what .dockerignore leaves out', () => {
    const tsconfig = JSON.parse(read('tsconfig.json')) as { compilerOptions: { rootDir: string; outDir: string } };
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(/RUN npm ci\b/);
    expect(dockerfile).toMatch(/RUN npm run build\b/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(ignored).toEqual(expect.arrayContaining(['.env', 'node_modules', 'dist', '.git']));
    for (const [name, entry] of [['worker', 'worker/main.ts'], ['api', 'api/main.ts']] as const) {
      const compiled = posix.join(tsconfig.compilerOptions.outDir, relative(tsconfig.compilerOptions.rootDir, entry).replace(/\.ts$/, '.js'));
      expect(services[name]!.command).toEqual(['node', compiled]);
      expect(services[name]!.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
      expect([entry, existsSync(join(ROOT, entry))]).toEqual([entry, true]);
      for (const file of importGraph(entry)) {
        // config/temporal-servers.ts reads scripts/, which the image does not have.
        expect([entry, file]).not.toEqual([entry, 'config/temporal-servers.ts']);
        expect([entry, file, ignored.find((i) => file === i || file.startsWith(`${i}/`))]).toEqual([entry, file, undefined]);
      }
    }
  });

  test('given the Temporal server, its dynamic config file should be committed and enable workflow updates', () => {
    const env = containerEnv(services.temporal!, filledIn);
    expect(env).toMatchObject({ DB: 'postgres12', DB_PORT: '5432', POSTGRES_SEEDS: 'postgresql', BIND_ON_IP: '0.0.0.0' });
    expect(env.POSTGRES_USER).toBeTruthy();
    expect(env.POSTGRES_PWD).toBe(TEST_SECRETS.POSTGRES_PASSWORD);
    const path = hostPath(services.temporal!, posix.resolve('/etc/temporal', env.DYNAMIC_CONFIG_FILE_PATH!));
    const dynamicConfig = parse(readFileSync(path, 'utf8')) as Record<string, { value: unknown }[]>;
    expect(dynamicConfig['frontend.enableUpdateWorkflowExecution']?.[0]?.value).toBe(true);
  });

  test('given the one-shot jobs, their scripts should be committed, and the schema job should create and migrate both databases', () => {
    for (const name of ['temporal-schema', 'temporal-namespace']) {
      const [shell, script] = services[name]!.entrypoint ?? [];
      expect(shell).toBe('/bin/sh');
      expect(existsSync(hostPath(services[name]!, script!))).toBe(true);
      expect(services[name]!.image).toMatch(/^temporalio\/admin-tools:/);
    }
    const setup = readFileSync(hostPath(services['temporal-schema']!, services['temporal-schema']!.entrypoint![1]!), 'utf8');
    expect(setup).toContain('temporal-sql-tool --plugin postgres12');
    expect(setup).toMatch(/temporal_visibility:visibility/);
    expect(containerEnv(services['temporal-schema']!, filledIn).SQL_PASSWORD).toBe(TEST_SECRETS.POSTGRES_PASSWORD);
  });

  test('given the namespace job, it should register exactly the campaign search attributes in the apps’ namespace', () => {
    const env = containerEnv(services['temporal-namespace']!, filledIn);
    expect(env.NAMESPACE).toBe(loadConfig(containerEnv(services.worker!, filledIn)).temporal.namespace);
    const script = hostPath(services['temporal-namespace']!, services['temporal-namespace']!.entrypoint![1]!);
    const listed = readFileSync(join(dirname(script), 'search-attributes'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    expect(listed.sort()).toEqual(expectedSearchAttributes().sort());
  });

  test('given npm run stack, compose should run the same server config, dynamic config, UI config and scripts, and the same server and UI versions', () => {
    const temporalCommand = (services.temporal!.entrypoint ?? []).join(' ');
    const configFile = /--config-file (\S+)/.exec(temporalCommand)?.[1];
    const used = {
      serverConfig: hostPath(services.temporal!, configFile!),
      dynamicConfig: hostPath(services.temporal!, containerEnv(services.temporal!, filledIn).DYNAMIC_CONFIG_FILE_PATH!),
      uiConfig: hostPath(services['temporal-ui']!, '/home/ui-server/config/docker.yaml'),
      schemaScript: hostPath(services['temporal-schema']!, services['temporal-schema']!.entrypoint![1]!),
      namespaceScript: hostPath(services['temporal-namespace']!, services['temporal-namespace']!.entrypoint![1]!),
    };
    expect(used).toEqual(Object.fromEntries(Object.entries(DEPLOY_FILES).map(([k, v]) => [k, join(ROOT, v)])));
    const versions = Object.fromEntries(read('scripts/temporal-servers.env').split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split('=')));
    const tag = (name: string) => services[name]!.image!.split(':')[1];
    expect(['temporal', 'temporal-schema', 'temporal-namespace'].map(tag)).toEqual(Array(3).fill(versions.TEMPORAL_SERVER_VERSION.replace(/^v/, '')));
    expect(tag('temporal-ui')).toBe(versions.TEMPORAL_UI_SERVER_VERSION.replace(/^v/, ''));
  });

  test('given the server config template, every variable compose or the stack sets should be one the template reads', () => {
    const template = read(DEPLOY_FILES.serverConfig);
    expect(template.split('\n')[0]).toBe('# enable-template');
    const reads = new Set([...template.matchAll(/env "([A-Z_]+)"/g)].map((m) => m[1]));
    const stackNode = temporalNodeEnv(DEFAULT_PORTS.nodes[1]!, { POSTGRES_SEEDS: '127.0.0.1', DB_PORT: '5432', POSTGRES_USER: 'temporal', POSTGRES_PWD: 'x' }, '127.0.0.1:7233');
    const composed = containerEnv(services.temporal!, filledIn);
    // DB picks the image's plugin in its own template; ours is PostgreSQL only.
    const set = [...Object.keys(stackNode), ...Object.keys(composed).filter((k) => k !== 'DB'), 'TEMPORAL_BROADCAST_ADDRESS'];
    expect(set.filter((key) => !reads.has(key))).toEqual([]);
    const ui = read(DEPLOY_FILES.uiConfig);
    const uiReads = new Set([...ui.matchAll(/env "([A-Z_]+)"/g)].map((m) => m[1]));
    expect(Object.keys(containerEnv(services['temporal-ui']!, filledIn)).filter((key) => !uiReads.has(key))).toEqual([]);
  });

  test('given the API’s health check, it should pass while /ready on API_PORT answers 200, and fail while it answers 503 or nothing answers', async () => {
    const [, ...args] = services.api!.healthcheck!.test;
    expect(args[0]).toBe('node');
    let readyStatus = 503;
    const server = createServer((req, res) => res.writeHead(req.url === '/ready' ? readyStatus : 404).end());
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const port = (server.address() as AddressInfo).port;
    const check = (p: number) => run(process.execPath, args.slice(1), { env: { ...process.env, API_PORT: String(p) }, timeout: 10_000 });
    await expect(check(port)).rejects.toMatchObject({ code: 1 });
    readyStatus = 200;
    await expect(check(port)).resolves.toBeDefined();
    await new Promise<void>((done) => server.close(() => done()));
    await expect(check(port)).rejects.toMatchObject({ code: 1 });
  });

  test('given .env.example, it should document every config key and every variable the compose file reads, each under a comment', () => {
    const referenced = new Set<string>();
    for (const match of composeText.matchAll(/(?<!\$)\$\{([A-Z_][A-Z0-9_]*)/g)) referenced.add(match[1]!);
    for (const s of Object.values(services)) for (const [k, v] of Object.entries(s.environment ?? {})) if (v === null) referenced.add(k);
    const expected = [...new Set([...CONFIG_ENV_KEYS, ...referenced])];
    expect(expected.filter((key) => !example.documented.has(key))).toEqual([]);
    expect(expected.filter((key) => !example.documented.get(key))).toEqual([]);
  });
});

describe('the namespace job’s script on a real Temporal server (dev server)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createDevServerEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  test('given a server without the namespace, when the script runs twice, it should create the namespace and its search attributes and then change nothing', async () => {
    const cli = serverExecutable('cli');
    if (cli.type !== 'existing-path') throw new Error('the Temporal CLI is not installed: npm run temporal:install');
    const namespace = uniqueId('relief');
    const jobEnv = containerEnv(services['temporal-namespace']!, filledIn);
    const script = hostPath(services['temporal-namespace']!, services['temporal-namespace']!.entrypoint![1]!);
    const runScript = () =>
      run('/bin/sh', [script], {
        env: { HOME: process.env.HOME, PATH: `${dirname(cli.path)}:${process.env.PATH}`, TEMPORAL_ADDRESS: env.address, NAMESPACE: namespace, NAMESPACE_RETENTION: jobEnv.NAMESPACE_RETENTION },
        timeout: 60_000,
      });
    const first = await runScript();
    expect(first.stdout).toContain(`namespace ${namespace} ready`);
    const listed = await env.connection.operatorService.listSearchAttributes({ namespace });
    const typeNames = Object.fromEntries(Object.entries(listed.customAttributes ?? {}).map(([name, type]) => [name, INDEXED_VALUE_TYPE_NAMES[type as number]]));
    for (const key of campaignSearchAttributes) expect([key.name, typeNames[key.name]]).toEqual([key.name, CLI_TYPE[key.type]]);
    const second = await runScript();
    expect(second.stdout).toContain(`namespace ${namespace} exists`);
    expect(second.stdout.match(/search attribute \w+ exists/g)).toHaveLength(campaignSearchAttributes.length);
  });
});

/** The CLI's type names (`--type`) by the SDK's SearchAttributeType. */
const CLI_TYPE: Record<string, string> = {
  TEXT: 'Text', KEYWORD: 'Keyword', INT: 'Int', DOUBLE: 'Double', BOOL: 'Bool', DATETIME: 'Datetime', KEYWORD_LIST: 'KeywordList',
};
/** temporal.api.enums.v1.IndexedValueType, as the CLI names its members. */
const INDEXED_VALUE_TYPE_NAMES = ['Unspecified', 'Text', 'Keyword', 'Int', 'Double', 'Bool', 'Datetime', 'KeywordList'];

function expectedSearchAttributes(): string[] {
  return campaignSearchAttributes.map((key) => `${key.name}=${CLI_TYPE[key.type]}`);
}

/** The repository file a service sees at a container path, through its bind mounts. */
function hostPath(service: Service, containerPath: string): string {
  for (const volume of service.volumes ?? []) {
    const [source, target] = volume.split(':');
    if (!source!.startsWith('.')) continue;
    if (containerPath === target || containerPath.startsWith(`${target}/`)) return join(ROOT, source!, containerPath.slice(target!.length));
  }
  throw new Error(`no bind mount of the repository covers ${containerPath}`);
}

/** Repository files reached from an entry point through relative imports. */
function importGraph(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = read(file);
    for (const match of source.matchAll(/(?:from\s+|require\(\s*|import\(\s*)'(\.{1,2}\/[^']+)'/g)) {
      const base = posix.join(posix.dirname(file), match[1]!);
      const target = [`${base}.ts`, `${base}/index.ts`, base].find((candidate) => existsSync(join(ROOT, candidate)));
      if (!target) throw new Error(`${file}: cannot resolve ${match[1]}`);
      // Data files (the calendar's JSON) are reached too, but import nothing themselves.
      if (target.endsWith('.json')) seen.add(target);
      else visit(target);
    }
  };
  visit(entry);
  return [...seen];
}
