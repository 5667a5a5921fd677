-- Tenants, people, settings, and the audit tables of seed 000 ("Audit Tables") with its nine
-- indexes under their names. Audit tables are only ever appended to.

CREATE TABLE organizations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  slug text NOT NULL UNIQUE,
  tier text NOT NULL DEFAULT 'free' CHECK (tier IN ('free', 'startup', 'business', 'enterprise')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id),
  email text NOT NULL,
  full_name text NOT NULL DEFAULT '',
  role text NOT NULL CHECK (role IN ('viewer', 'analyst', 'approver', 'admin')),
  team text,
  password_hash text,
  is_active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  last_login_at timestamptz
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX idx_users_org_created ON users (organization_id, created_at, id);

-- Instance-wide state shared by every process (kill switch, …).
CREATE TABLE settings (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid REFERENCES users (id)
);

-- Every security-relevant act (DESIGN.md §8), written in the same transaction as the act.
CREATE TABLE audit_events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid REFERENCES organizations (id),
  event_type text NOT NULL,
  outcome text NOT NULL DEFAULT 'success' CHECK (outcome IN ('success', 'denied', 'failure')),
  user_id uuid REFERENCES users (id),
  api_key_id uuid,
  resource_type text,
  resource_id text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  ip_address inet,
  user_agent text,
  request_id text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_audit_events_user_id ON audit_events (user_id);
CREATE INDEX idx_audit_events_created_at ON audit_events (created_at DESC);
CREATE INDEX idx_audit_events_resource ON audit_events (resource_type, resource_id);
CREATE INDEX idx_audit_events_org_created ON audit_events (organization_id, created_at DESC);
CREATE INDEX idx_audit_events_request_id ON audit_events (request_id);

-- seed 000: one row per query, with the request id that links it to logs and errors.
CREATE TABLE query_audit_log (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid REFERENCES organizations (id),
  user_id uuid REFERENCES users (id),
  natural_language_query text,
  generated_sql text,
  was_successful boolean NOT NULL,
  error_message text,
  execution_time_ms numeric,
  created_at timestamptz NOT NULL DEFAULT now(),
  request_id text
);
CREATE INDEX idx_audit_log_user_ts ON query_audit_log (user_id, created_at DESC);
CREATE INDEX idx_audit_log_request_id ON query_audit_log (request_id);
CREATE INDEX idx_audit_created ON query_audit_log (created_at);
CREATE INDEX idx_audit_log_success ON query_audit_log (was_successful, created_at DESC);

-- seed 000: auth failures, rate limits, injection attempts, forbidden tables, …
CREATE TABLE security_events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid REFERENCES organizations (id),
  event_type text NOT NULL,
  severity text NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  user_id uuid REFERENCES users (id),
  ip_address inet,
  user_agent text,
  request_path text,
  request_method text,
  detail jsonb NOT NULL DEFAULT '{}'::jsonb,
  request_id text,
  "timestamp" timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_security_event_type_ts ON security_events (event_type, "timestamp" DESC);
CREATE INDEX idx_security_user_ts ON security_events (user_id, "timestamp" DESC);
CREATE INDEX idx_security_severity_ts ON security_events (severity, "timestamp" DESC);
CREATE INDEX idx_security_ip ON security_events (ip_address, "timestamp" DESC);
CREATE INDEX idx_security_timestamp ON security_events ("timestamp");

-- The database itself refuses to rewrite history (the retention path comes with the audit issue).
CREATE FUNCTION aureus_refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit table % is append-only', TG_TABLE_NAME USING ERRCODE = '42501';
END;
$$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION aureus_refuse_audit_change();
CREATE TRIGGER security_events_append_only BEFORE UPDATE OR DELETE ON security_events
  FOR EACH ROW EXECUTE FUNCTION aureus_refuse_audit_change();
CREATE TRIGGER query_audit_log_append_only BEFORE UPDATE OR DELETE ON query_audit_log
  FOR EACH ROW EXECUTE FUNCTION aureus_refuse_audit_change();
