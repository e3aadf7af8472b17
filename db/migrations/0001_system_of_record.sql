-- The campaign's record. Temporal runs the process (deadlines, statuses, decisions); every fact a
-- person or the report needs lives here and outlives workflow retention. Personal columns (*_sealed)
-- are AES-256-GCM under the campaign's data key (store/personal-data.ts); erasing a household
-- nulls them, erasing a campaign's personal data drops its key. household_key is an HMAC of the ID
-- number, so uniqueness holds without the number.

CREATE TABLE campaigns (
  campaign_id      text PRIMARY KEY,
  organizer        text NOT NULL,
  title            text NOT NULL,
  time_zone        text NOT NULL DEFAULT 'Asia/Shanghai',
  -- The plan without its units (they are rows of campaign_units): people, phases, rules.
  plan             jsonb NOT NULL,
  unit_count       integer NOT NULL,
  status           text NOT NULL DEFAULT 'running',
  current_phase    text,
  start_request_id text NOT NULL,
  started_by       text NOT NULL,
  started_at       timestamptz NOT NULL DEFAULT now(),
  closed_at        timestamptz,
  cancellation     jsonb,
  data_key_wrapped bytea,
  data_key_id      text,
  personal_data_erased_at timestamptz
);

CREATE TABLE campaign_units (
  campaign_id  text NOT NULL REFERENCES campaigns ON DELETE CASCADE,
  unit_id      text NOT NULL,
  position     integer NOT NULL,
  name         text NOT NULL,
  supervisor   text NOT NULL,
  quota        integer NOT NULL,
  spec         jsonb NOT NULL,
  PRIMARY KEY (campaign_id, unit_id),
  UNIQUE (campaign_id, position)
);

CREATE TABLE campaign_phases (
  campaign_id  text NOT NULL REFERENCES campaigns ON DELETE CASCADE,
  phase        text NOT NULL,
  position     integer NOT NULL,
  status       text NOT NULL DEFAULT 'pending',
  opens_at     timestamptz NOT NULL,
  cutoff       timestamptz NOT NULL,
  started_at   timestamptz,
  closed_at    timestamptz,
  participants integer NOT NULL DEFAULT 0,
  approved     integer NOT NULL DEFAULT 0,
  forfeited    integer NOT NULL DEFAULT 0,
  sign_off     jsonb,
  sign_off_reminders integer NOT NULL DEFAULT 0,
  PRIMARY KEY (campaign_id, phase)
);

-- One unit in one phase: the live status its workflow writes when it changes.
CREATE TABLE unit_phases (
  campaign_id  text NOT NULL,
  phase        text NOT NULL,
  unit_id      text NOT NULL,
  status       text NOT NULL,
  opens_at     timestamptz NOT NULL,
  cutoff       timestamptz NOT NULL,
  submissions  integer NOT NULL DEFAULT 0,
  last_decision text,
  approved_at  timestamptz,
  forfeited_at timestamptz,
  cancelled_at timestamptz,
  roster_size  integer NOT NULL DEFAULT 0,
  visited      integer NOT NULL DEFAULT 0,
  paid         bigint NOT NULL DEFAULT 0,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (campaign_id, phase, unit_id),
  FOREIGN KEY (campaign_id, unit_id) REFERENCES campaign_units ON DELETE CASCADE
);
CREATE INDEX unit_phases_status ON unit_phases (campaign_id, phase, status);

CREATE TABLE reinstatements (
  request_id   text PRIMARY KEY,
  campaign_id  text NOT NULL REFERENCES campaigns ON DELETE CASCADE,
  unit_id      text NOT NULL,
  forfeited_in text NOT NULL,
  actor        text NOT NULL,
  reason       text NOT NULL,
  at           timestamptz NOT NULL
);

-- Households as a unit put them forward: a roster submission or an addition on an upheld objection.
CREATE TABLE roster_uploads (
  upload_id    text PRIMARY KEY,
  campaign_id  text NOT NULL REFERENCES campaigns ON DELETE CASCADE,
  unit_id      text NOT NULL,
  created_by   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  entries      integer NOT NULL
);

CREATE TABLE roster_entries (
  upload_id      text NOT NULL REFERENCES roster_uploads ON DELETE CASCADE,
  -- 1-based, as the clerk counts the lines of the roster; additions are numbered after the notice's entries.
  entry          integer NOT NULL,
  category       text NOT NULL,
  amount         integer NOT NULL CHECK (amount >= 0),
  goods          text,
  funding_source text NOT NULL,
  household_key  bytea NOT NULL,
  masked_name    text,
  name_sealed    bytea,
  id_number_sealed bytea,
  address_sealed bytea,
  reason_sealed  bytea,
  erased_at      timestamptz,
  PRIMARY KEY (upload_id, entry)
);

CREATE TABLE submissions (
  request_id   text PRIMARY KEY,
  campaign_id  text NOT NULL,
  phase        text NOT NULL,
  unit_id      text NOT NULL,
  number       integer NOT NULL,
  actor        text NOT NULL,
  kind         text NOT NULL,
  report       text NOT NULL,
  figures      jsonb,
  upload_id    text REFERENCES roster_uploads,
  -- Postmark: when the API received it (decides on-time) and when the workflow recorded it.
  received_at  timestamptz NOT NULL,
  recorded_at  timestamptz NOT NULL,
  UNIQUE (campaign_id, phase, unit_id, number),
  FOREIGN KEY (campaign_id, phase, unit_id) REFERENCES unit_phases ON DELETE CASCADE
);

CREATE TABLE reviews (
  request_id   text PRIMARY KEY,
  campaign_id  text NOT NULL,
  phase        text NOT NULL,
  unit_id      text NOT NULL,
  submission_number integer NOT NULL,
  actor        text NOT NULL,
  decision     text NOT NULL,
  reason       text,
  received_at  timestamptz NOT NULL,
  reviewed_at  timestamptz NOT NULL,
  FOREIGN KEY (campaign_id, phase, unit_id) REFERENCES unit_phases ON DELETE CASCADE
);

CREATE TABLE strikes (
  request_id   text NOT NULL,
  campaign_id  text NOT NULL,
  phase        text NOT NULL,
  unit_id      text NOT NULL,
  submission_number integer NOT NULL,
  entry        integer NOT NULL,
  reason       text NOT NULL,
  actor        text NOT NULL,
  struck_at    timestamptz NOT NULL,
  PRIMARY KEY (request_id, entry),
  FOREIGN KEY (campaign_id, phase, unit_id) REFERENCES unit_phases ON DELETE CASCADE
);

CREATE TABLE extensions (
  request_id   text PRIMARY KEY,
  campaign_id  text NOT NULL,
  phase        text NOT NULL,
  unit_id      text NOT NULL,
  actor        text NOT NULL,
  from_cutoff  timestamptz NOT NULL,
  to_cutoff    timestamptz NOT NULL,
  reason       text NOT NULL,
  extended_at  timestamptz NOT NULL,
  FOREIGN KEY (campaign_id, phase, unit_id) REFERENCES unit_phases ON DELETE CASCADE
);

-- The roster a unit holds for the campaign: its approved preparation roster, then publicity's
-- additions and objection strikes. One household once per campaign (避免重複慰問) is the unique key.
CREATE TABLE household_claims (
  campaign_id   text NOT NULL REFERENCES campaigns ON DELETE CASCADE,
  household_key bytea NOT NULL,
  unit_id       text NOT NULL,
  upload_id     text NOT NULL,
  entry         integer NOT NULL,
  -- Set when the unit's roster is approved: later phases pay against approved claims only.
  approved      boolean NOT NULL DEFAULT false,
  PRIMARY KEY (campaign_id, household_key),
  UNIQUE (upload_id, entry),
  FOREIGN KEY (upload_id, entry) REFERENCES roster_entries
);
CREATE INDEX household_claims_unit ON household_claims (campaign_id, unit_id);

-- Budgets per funding source; held moves in the same transaction as the claims, under FOR UPDATE.
CREATE TABLE funding_sources (
  campaign_id text NOT NULL REFERENCES campaigns ON DELETE CASCADE,
  source      text NOT NULL,
  budget      bigint NOT NULL,
  held        bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (campaign_id, source),
  CHECK (held >= 0 AND held <= budget)
);

CREATE TABLE objections (
  request_id   text PRIMARY KEY,
  campaign_id  text NOT NULL,
  unit_id      text NOT NULL,
  number       integer NOT NULL,
  kind         text NOT NULL,
  entry        integer,
  statement_sealed bytea,
  filed_at     timestamptz NOT NULL,
  answer       jsonb,
  decision     jsonb,
  addition     jsonb,
  reminded_at  timestamptz,
  escalated_at timestamptz,
  UNIQUE (campaign_id, unit_id, number)
);

CREATE TABLE visits (
  request_id   text NOT NULL,
  campaign_id  text NOT NULL,
  unit_id      text NOT NULL,
  entry        integer NOT NULL,
  household_key bytea NOT NULL,
  funding_source text NOT NULL,
  category     text NOT NULL,
  amount       integer NOT NULL CHECK (amount >= 0),
  goods        text,
  visited_on   date NOT NULL,
  recipient_signed boolean NOT NULL,
  handler      text NOT NULL,
  actor        text NOT NULL,
  received_at  timestamptz NOT NULL,
  recorded_at  timestamptz NOT NULL,
  PRIMARY KEY (campaign_id, household_key),
  UNIQUE (campaign_id, unit_id, entry)
);
CREATE INDEX visits_request ON visits (request_id);

-- A batch of visits is one request: its id is kept even when it was refused, so a retry answers alike.
CREATE TABLE visit_batches (
  request_id  text PRIMARY KEY,
  campaign_id text NOT NULL,
  unit_id     text NOT NULL,
  visits      integer NOT NULL,
  amount      bigint NOT NULL,
  recorded_at timestamptz NOT NULL
);

CREATE TABLE notifications (
  notification_id text PRIMARY KEY,
  campaign_id text NOT NULL,
  phase       text,
  unit_id     text,
  kind        text NOT NULL,
  recipient   text NOT NULL,
  -- reminder, escalation or notice: what the unit view lists it under.
  category    text NOT NULL,
  occurred_at timestamptz NOT NULL
);
CREATE INDEX notifications_unit ON notifications (campaign_id, unit_id, phase);

CREATE TABLE audit (
  id          bigserial PRIMARY KEY,
  campaign_id text NOT NULL,
  at          timestamptz NOT NULL,
  actor       text NOT NULL,
  request_id  text,
  action      text NOT NULL,
  phase       text,
  unit_id     text,
  detail      jsonb,
  -- What the API received it at, where that decided the outcome (postmark).
  received_at timestamptz,
  -- One row per request and action, so a retried activity writes once.
  UNIQUE (campaign_id, action, request_id)
);
CREATE INDEX audit_campaign ON audit (campaign_id, at, id);
