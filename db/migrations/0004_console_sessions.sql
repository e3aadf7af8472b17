-- Console sessions (console/sessions.ts): a credential traded once for a cookie. Only the SHA-256 of
-- the session id is kept, so a read of this table signs nobody in. A person's session reads the
-- person's roles afresh on every request (a membership revoked is revoked in the console too);
-- an API_TOKENS grant has no person, so its principal is kept as it was granted.
CREATE TABLE console_sessions (
  session_hash bytea PRIMARY KEY,
  person_id    text REFERENCES people ON DELETE CASCADE,
  principal    jsonb NOT NULL,
  -- Every form of the session carries it; a POST without it is refused.
  csrf_token   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL
);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
