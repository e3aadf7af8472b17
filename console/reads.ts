import type { Pool } from 'pg';
import type { Principal } from '../api/access';

// The few reads the console needs that the API has no route for. Each runs only after the
// caller was authorized for the matching API action on the same campaign and unit.

export interface UnitPlace {
  campaignId: string;
  title: string;
  unitId: string;
  unitName: string;
}

/** The units the principal acts as, in the campaigns of its organization (an unbound grant: of none). */
export async function unitPlaces(pool: Pool, principal: Principal): Promise<UnitPlace[]> {
  const units = principal.memberships.filter((m) => m.role === 'unit');
  if (!units.length) return [];
  const { rows } = await pool.query<{ campaign_id: string; title: string; unit_id: string; name: string }>(
    `SELECT c.campaign_id, c.title, u.unit_id, u.name FROM campaigns c JOIN campaign_units u USING (campaign_id)
     JOIN jsonb_to_recordset($2::jsonb) AS m("campaignId" text, subject text) ON (m."campaignId" IS NULL OR m."campaignId" = c.campaign_id) AND m.subject = u.unit_id
     WHERE c.organization_id IS NOT DISTINCT FROM $1::text ORDER BY c.started_at DESC, u.position`,
    [principal.organizationId, JSON.stringify(units)],
  );
  return rows.map((r) => ({ campaignId: r.campaign_id, title: r.title, unitId: r.unit_id, unitName: r.name }));
}

export interface RosterLine {
  entry: number;
  maskedName: string;
  category: string;
  amount: number;
  goods?: string;
  fundingSource: string;
  struck?: string;
}

/** A submission's roster as the reviewer sees it: names masked, entries struck so far with their reason. */
export async function submittedRoster(pool: Pool, target: { campaignId: string; phase: string; unitId: string }, submissionNumber: number): Promise<RosterLine[]> {
  const { rows } = await pool.query<{ entry: number; masked_name: string | null; category: string; amount: number; goods: string | null; funding_source: string; reason: string | null }>(
    `SELECT e.entry, e.masked_name, e.category, e.amount, e.goods, e.funding_source, k.reason
     FROM submissions s JOIN roster_entries e USING (upload_id)
     LEFT JOIN strikes k ON k.campaign_id = s.campaign_id AND k.phase = s.phase AND k.unit_id = s.unit_id AND k.submission_number = s.number AND k.entry = e.entry
     WHERE s.campaign_id = $1 AND s.phase = $2 AND s.unit_id = $3 AND s.number = $4 ORDER BY e.entry`,
    [target.campaignId, target.phase, target.unitId, submissionNumber],
  );
  return rows.map((r) => ({ entry: r.entry, maskedName: r.masked_name ?? '', category: r.category, amount: r.amount, ...(r.goods ? { goods: r.goods } : {}), fundingSource: r.funding_source, ...(r.reason ? { struck: r.reason } : {}) }));
}

/** Households visited by each day, cumulative: the coverage line of the report. */
export async function visitsByDay(pool: Pool, campaignId: string): Promise<{ day: string; visited: number }[]> {
  const { rows } = await pool.query<{ day: string; visited: number }>(
    `SELECT to_char(visited_on, 'YYYY-MM-DD') AS day, (sum(count(*)) OVER (ORDER BY visited_on))::int AS visited FROM visits WHERE campaign_id = $1 GROUP BY visited_on ORDER BY visited_on`,
    [campaignId],
  );
  return rows;
}
