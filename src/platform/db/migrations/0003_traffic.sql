-- Rate-limit and quota overrides per organization and per API key, and LLM budgets with usage.

CREATE TABLE limit_overrides (
  scope text NOT NULL CHECK (scope IN ('organization', 'api_key')),
  subject_id uuid NOT NULL,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  per_minute integer CHECK (per_minute > 0),
  per_hour integer CHECK (per_hour > 0),
  quota_day integer CHECK (quota_day > 0),
  quota_month integer CHECK (quota_month > 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, subject_id)
);

-- Monthly LLM budgets: a row per organization (user_id NULL) or per user.
CREATE TABLE llm_budgets (
  organization_id uuid NOT NULL REFERENCES organizations (id),
  user_id uuid REFERENCES users (id),
  monthly_tokens bigint CHECK (monthly_tokens >= 0),
  monthly_cost_micros bigint CHECK (monthly_cost_micros >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX llm_budgets_subject ON llm_budgets (organization_id, COALESCE(user_id, '00000000-0000-0000-0000-000000000000'::uuid));

-- What was spent, per month ('2026-11'); a new month starts at zero (the reset job opens it).
CREATE TABLE llm_usage (
  organization_id uuid NOT NULL REFERENCES organizations (id),
  user_id uuid REFERENCES users (id),
  period text NOT NULL CHECK (period ~ '^[0-9]{4}-[0-9]{2}$'),
  tokens bigint NOT NULL DEFAULT 0,
  cost_micros bigint NOT NULL DEFAULT 0,
  reserved_tokens bigint NOT NULL DEFAULT 0,
  reserved_cost_micros bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX llm_usage_subject ON llm_usage (organization_id, COALESCE(user_id, '00000000-0000-0000-0000-000000000000'::uuid), period);
