-- Sessions (refresh-token families with rotation), token revocation, and API keys.

ALTER TABLE users ADD COLUMN tokens_valid_after timestamptz NOT NULL DEFAULT 'epoch';
-- Millisecond timestamps survive the round trip through a JavaScript Date exactly, so
-- (created_at, id) keyset cursors never skip or repeat a row.
ALTER TABLE users ALTER COLUMN created_at SET DEFAULT date_trunc('milliseconds', now());

-- One row per issued refresh token; a family is one login. Only hashes are stored.
CREATE TABLE refresh_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  family_id uuid NOT NULL,
  user_id uuid NOT NULL REFERENCES users (id),
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX idx_refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX idx_refresh_tokens_user ON refresh_tokens (user_id) WHERE revoked_at IS NULL;

-- Access tokens revoked before they expire (logout); kept until their expiry.
CREATE TABLE revoked_tokens (
  jti uuid PRIMARY KEY,
  expires_at timestamptz NOT NULL
);

CREATE TABLE api_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id),
  created_by uuid NOT NULL REFERENCES users (id),
  name text NOT NULL,
  lookup_prefix text NOT NULL,
  key_hash text NOT NULL,
  role text NOT NULL CHECK (role IN ('viewer', 'analyst', 'approver', 'admin')),
  tier text CHECK (tier IN ('free', 'startup', 'business', 'enterprise')),
  created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz,
  usage_count bigint NOT NULL DEFAULT 0,
  rotated_from uuid REFERENCES api_keys (id)
);
CREATE UNIQUE INDEX api_keys_lookup_prefix_key ON api_keys (lookup_prefix);
CREATE INDEX idx_api_keys_org_created ON api_keys (organization_id, created_at, id);
