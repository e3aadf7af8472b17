-- Who is told, and how (issue 17): a reviewer's substitute for a period (出差, 休假), and digests
-- that gather a period's notifications about single units into one message per person.

-- A reviewer names a substitute person for [starts_at, ends_at): reviews and the reviewer's
-- reminders and escalations go to the substitute meanwhile. Revoked rows stay, for the audit trail.
CREATE TABLE reviewer_substitutes (
  substitution_id text PRIMARY KEY,
  campaign_id     text NOT NULL REFERENCES campaigns ON DELETE CASCADE,
  reviewer_id     text NOT NULL,
  person_id       text NOT NULL,
  -- How the substitute is told (domain/plan.ts contactSchema): channel and language.
  notify          jsonb NOT NULL,
  starts_at       timestamptz NOT NULL,
  ends_at         timestamptz NOT NULL CHECK (ends_at > starts_at),
  reason          text NOT NULL,
  named_by        text NOT NULL,
  named_at        timestamptz NOT NULL,
  revoked_by      text,
  revoked_at      timestamptz
);
CREATE INDEX reviewer_substitutes_reviewer ON reviewer_substitutes (campaign_id, reviewer_id, starts_at);
CREATE INDEX reviewer_substitutes_person ON reviewer_substitutes (campaign_id, person_id);

-- One digest per recipient and period; closed_at is set when its delivery takes its items, and an
-- item dispatched later goes to the next period's digest.
CREATE TABLE notification_digests (
  digest_id    text PRIMARY KEY,
  campaign_id  text NOT NULL,
  recipient    text NOT NULL,
  -- The channel and language the digest is sent in, as resolved when it was opened.
  notify       jsonb NOT NULL,
  time_zone    text NOT NULL,
  period_start timestamptz NOT NULL,
  period_end   timestamptz NOT NULL,
  closed_at    timestamptz
);

CREATE TABLE notification_digest_items (
  notification_id text PRIMARY KEY,
  digest_id       text NOT NULL REFERENCES notification_digests,
  kind            text NOT NULL,
  unit_id         text,
  occurred_at     timestamptz NOT NULL,
  -- The notification's structured data (ids, instants, counts, names of units): no personal data.
  data            jsonb NOT NULL
);
CREATE INDEX notification_digest_items_digest ON notification_digest_items (digest_id, occurred_at);
