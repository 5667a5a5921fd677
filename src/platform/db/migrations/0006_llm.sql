-- Natural-language questions (DESIGN.md §5 step 2): an ask has no SQL until the model writes it,
-- and its trace — the model, every generated statement with its verdict, tokens and cost — stays
-- with the query. Verified question → SQL examples per dataset teach the model the dataset.

ALTER TABLE queries ALTER COLUMN sql DROP NOT NULL;
-- {model, explanation, attempts: [{sql, valid, violations, prompt_tokens, completion_tokens, ms}], prompt_tokens, completion_tokens, cost_micros}
ALTER TABLE queries ADD COLUMN llm jsonb;

CREATE TABLE llm_examples (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  dataset_id uuid NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  question text NOT NULL CHECK (length(question) BETWEEN 1 AND 2000),
  sql text NOT NULL CHECK (length(sql) BETWEEN 1 AND 20000),
  -- 'admin': written by an admin; 'promoted': a successful query an admin vouched for.
  source text NOT NULL CHECK (source IN ('admin', 'promoted')),
  query_id uuid REFERENCES queries (id) ON DELETE SET NULL,
  created_by uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
);
CREATE INDEX idx_llm_examples_dataset ON llm_examples (dataset_id, created_at DESC, id DESC);
CREATE UNIQUE INDEX llm_examples_dataset_question ON llm_examples (dataset_id, lower(question));
