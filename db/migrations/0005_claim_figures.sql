-- The upward report's figures on the claim itself (copied from its roster entry, which never
-- changes): the report then adds up two narrow tables, claims and visits, each on its own, instead
-- of joining every household's wide roster row. At county scale (300,000 households) that join
-- took 1.0–1.9 s, and the report must be compiled in under 2 s.
ALTER TABLE household_claims ADD COLUMN category text, ADD COLUMN funding_source text, ADD COLUMN amount integer;
UPDATE household_claims c SET category = e.category, funding_source = e.funding_source, amount = e.amount
  FROM roster_entries e WHERE e.upload_id = c.upload_id AND e.entry = c.entry;
ALTER TABLE household_claims ALTER COLUMN category SET NOT NULL, ALTER COLUMN funding_source SET NOT NULL, ALTER COLUMN amount SET NOT NULL;
