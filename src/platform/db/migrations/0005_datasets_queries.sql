-- Datasets (the registry of customer databases) and queries (jobs, DESIGN.md §3 and §5).

CREATE TABLE datasets (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id),
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  kind text NOT NULL CHECK (kind IN ('postgres', 'demo')),
  -- The connection URL sealed with AES-256-GCM (ENCRYPTION_KEY); never returned or logged.
  -- NULL for the embedded demo, which has no URL.
  connection_sealed bytea,
  default_schema text NOT NULL DEFAULT 'public',
  -- [{name: "schema.table", columns: [{name, type, pii, masking}]}]: the policy.
  tables jsonb NOT NULL DEFAULT '[]'::jsonb,
  -- {"schema.table": rows} as last introspected: statistics, apart from the policy.
  row_counts jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- [{table, expression, exempt_roles}]
  row_filters jsonb NOT NULL DEFAULT '[]'::jsonb,
  max_rows integer NOT NULL CHECK (max_rows > 0),
  statement_timeout_ms integer NOT NULL CHECK (statement_timeout_ms > 0),
  viewer_access boolean NOT NULL DEFAULT false,
  -- What the connection check found at registration (a role that can write, a superuser, …).
  warnings jsonb NOT NULL DEFAULT '[]'::jsonb,
  -- Bumped on every change: part of the policy version, hence of cache keys.
  version integer NOT NULL DEFAULT 1,
  created_by uuid REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  updated_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  introspected_at timestamptz
);
CREATE UNIQUE INDEX datasets_org_name_key ON datasets (organization_id, lower(name));
CREATE INDEX idx_datasets_org_created ON datasets (organization_id, created_at, id);

-- One row per query (seed 002 §3.3 `queries`). Written when a job is queued or, for a caller who
-- waits, once with its final state; results live apart so retention can drop them alone.
CREATE TABLE queries (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  user_id uuid NOT NULL REFERENCES users (id),
  api_key_id uuid,
  dataset_id uuid NOT NULL REFERENCES datasets (id),
  -- The caller's role and row-filter claims ({team, email}) when submitted: masking and row
  -- filters follow them, wherever and whenever the job runs.
  role text NOT NULL CHECK (role IN ('viewer', 'analyst', 'approver', 'admin')),
  claims jsonb NOT NULL DEFAULT '{}'::jsonb,
  source text NOT NULL DEFAULT 'sql' CHECK (source IN ('sql', 'ask')),
  question text,
  sql text NOT NULL,
  fingerprint text,
  status text NOT NULL CHECK (status IN ('pending', 'running', 'success', 'error', 'cancelled', 'awaiting_approval')),
  error_code text,
  error_message text,
  columns jsonb,
  row_count integer,
  truncated boolean,
  cached boolean NOT NULL DEFAULT false,
  result_sha256 text,
  execution_time_ms integer,
  policy_version integer,
  request_id text,
  created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  started_at timestamptz,
  finished_at timestamptz
);
CREATE INDEX idx_queries_org_user_created ON queries (organization_id, user_id, created_at DESC, id DESC);
CREATE INDEX idx_queries_org_created ON queries (organization_id, created_at DESC, id DESC);
CREATE INDEX idx_queries_unfinished ON queries (created_at) WHERE status IN ('pending', 'running');

-- Masked rows, sealed with AES-256-GCM under the query id; deleted by the cleanup job at expiry.
CREATE TABLE query_results (
  query_id uuid PRIMARY KEY REFERENCES queries (id) ON DELETE CASCADE,
  sealed bytea NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX idx_query_results_expires ON query_results (expires_at);
