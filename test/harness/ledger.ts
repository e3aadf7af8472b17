import type { Pool } from 'pg';

// What the record holds campaign-wide, for tests to assert on: the budgets' held amounts and the
// households claimed, as the database keeps them (these replace the registry workflows' queries).

/** Amounts held per funding source (those holding any). */
export async function heldBySource(pool: Pool, campaignId: string): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ source: string; held: number }>('SELECT source, held FROM funding_sources WHERE campaign_id = $1 AND held <> 0 ORDER BY source', [campaignId]);
  return Object.fromEntries(rows.map((r) => [r.source, r.held]));
}

/** Households claimed per unit (those claiming any). */
export async function claimsByUnit(pool: Pool, campaignId: string): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ unit_id: string; n: number }>('SELECT unit_id, count(*)::int AS n FROM household_claims WHERE campaign_id = $1 GROUP BY unit_id ORDER BY unit_id', [campaignId]);
  return Object.fromEntries(rows.map((r) => [r.unit_id, r.n]));
}
