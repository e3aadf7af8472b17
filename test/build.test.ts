import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { createDatabaseIfMissing } from '../db/postgres-server';
import { databaseUrl } from './harness/postgres';

// What the image and `node dist/…` run is the build's output, not the sources: a file read at run
// time (the migrations) must be in it, or a worker built this way cannot open its database.

const ROOT = join(__dirname, '..');
const run = promisify(execFile);

describe('the build (npm run build)', () => {
  test('given an empty database, when the compiled database module opens it, every migration should be applied', async () => {
    await run('npm', ['run', 'build'], { cwd: ROOT });
    // Not the suites' migrated template: this database has no tables until the build's migrations run.
    const empty = `t_build_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    await createDatabaseIfMissing(databaseUrl('postgres'), empty);
    const opened = `require('./dist/db/pool').openDatabase({ url: process.env.DATABASE_URL })
      .then((pool) => pool.query('SELECT version FROM schema_migrations ORDER BY version'))
      .then(({ rows }) => { console.log(JSON.stringify(rows.map((r) => r.version))); process.exit(0); }, (err) => { console.error(err.message); process.exit(1); });`;
    const { stdout } = await run(process.execPath, ['-e', opened], { cwd: ROOT, env: { ...process.env, DATABASE_URL: databaseUrl(empty) } });
    const migrations = readdirSync(join(ROOT, 'db', 'migrations')).filter((f) => f.endsWith('.sql')).sort();
    expect(migrations.length).toBeGreaterThan(0);
    expect(JSON.parse(stdout)).toEqual(migrations);
  }, 180_000);
});
