import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pool } from 'pg';

// Versioned migrations (db/migrations/NNNN_name.sql), applied in order at start by every process
// that opens the database; an advisory lock lets several workers and APIs start at once.

const MIGRATIONS = join(__dirname, 'migrations');
const LOCK = 74_221_309;

export async function migrate(pool: Pool): Promise<string[]> {
  const files = readdirSync(MIGRATIONS).filter((f) => /^\d{4}_.+\.sql$/.test(f)).sort();
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ version: string }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((r) => r.version));
    const fresh = files.filter((f) => !applied.has(f));
    for (const file of fresh) {
      await client.query('BEGIN');
      try {
        await client.query(readFileSync(join(MIGRATIONS, file), 'utf8'));
        await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [file]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${file} failed: ${(err as Error).message}`);
      }
    }
    return fresh;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK]).catch(() => {});
    client.release();
  }
}
