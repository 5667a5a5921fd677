-- One row per open LLM budget reservation (the counters in llm_usage hold their sum). A call settles
-- its own row; a row still open past `expires_at` belongs to a call that died mid-flight (a crashed
-- process), and the sweep job releases it, so a crash no longer holds budget until the month ends.
CREATE TABLE llm_reservations (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  user_id uuid NOT NULL REFERENCES users (id),
  period text NOT NULL CHECK (period ~ '^[0-9]{4}-[0-9]{2}$'),
  tokens bigint NOT NULL CHECK (tokens >= 0),
  cost_micros bigint NOT NULL CHECK (cost_micros >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX idx_llm_reservations_expires ON llm_reservations (expires_at);
