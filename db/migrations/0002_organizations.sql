-- Who may act: organizations (街道辦, 縣衛健局, 縣總工會, 慈善會), their people, the roles people hold
-- in a campaign, and the credentials they act with. Access is decided from these rows and the
-- campaign's own (api/access.ts), never from a name alone. No token or link is stored, only its
-- SHA-256; auth_events never holds token text.

CREATE TABLE organizations (
  organization_id text PRIMARY KEY CHECK (organization_id ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  name            text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);

-- A campaign belongs to the organization whose coordinator started it; NULL for the embedded
-- demo's campaigns, started with an API_TOKENS grant bound to no organization.
ALTER TABLE campaigns ADD COLUMN organization_id text REFERENCES organizations;
CREATE INDEX campaigns_organization ON campaigns (organization_id);

CREATE TABLE people (
  person_id       text PRIMARY KEY,
  organization_id text NOT NULL REFERENCES organizations,
  -- As colleagues write it: "东湖社区 文员". Never a household's name.
  display_name    text NOT NULL,
  -- administrator: manages the organization's people and credentials; coordinator: starts the
  -- organization's campaigns and coordinates every one of them.
  roles           text[] NOT NULL DEFAULT '{}' CHECK (roles <@ ARRAY['administrator', 'coordinator']::text[]),
  created_by      text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX people_organization ON people (organization_id);

-- A person holds a plan's role in one campaign: subject is the plan's coordinator id, reviewer id
-- or unit id. A group is several people holding the same (campaign, role, subject).
CREATE TABLE memberships (
  campaign_id text NOT NULL REFERENCES campaigns ON DELETE CASCADE,
  person_id   text NOT NULL REFERENCES people ON DELETE CASCADE,
  role        text NOT NULL CHECK (role IN ('coordinator', 'reviewer', 'unit')),
  subject     text NOT NULL,
  granted_by  text NOT NULL,
  granted_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (campaign_id, person_id, role, subject)
);
CREATE INDEX memberships_person ON memberships (person_id);

CREATE TABLE api_tokens (
  token_id     text PRIMARY KEY,
  token_hash   bytea NOT NULL UNIQUE,
  person_id    text NOT NULL REFERENCES people ON DELETE CASCADE,
  -- Whose desk it is on: "东湖社区文员".
  name         text NOT NULL,
  created_by   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  revoked_at   timestamptz,
  revoked_by   text,
  last_used_at timestamptz
);
CREATE INDEX api_tokens_person ON api_tokens (person_id);

-- One-time links to sign in to the console: used once, short-lived.
CREATE TABLE sign_in_links (
  link_id    text PRIMARY KEY,
  link_hash  bytea NOT NULL UNIQUE,
  person_id  text NOT NULL REFERENCES people ON DELETE CASCADE,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);

-- Every use and every failure of a credential: which token (when one matched), never its text.
CREATE TABLE auth_events (
  id        bigserial PRIMARY KEY,
  at        timestamptz NOT NULL DEFAULT now(),
  token_id  text,
  person_id text,
  outcome   text NOT NULL CHECK (outcome IN ('accepted', 'missing', 'unknown', 'expired', 'revoked', 'malformed', 'rate-limited')),
  address   text NOT NULL,
  route     text
);
CREATE INDEX auth_events_token ON auth_events (token_id, at);
CREATE INDEX auth_events_address ON auth_events (address, at);
