-- The sealed audit log (DESIGN.md §8, docs/audit.md "Storage"). Event rows stay where they are
-- (audit_events, security_events, query_audit_log) and are never updated; the order, the leaf hash
-- and the seal of each live in audit_log, written only by the single sealer.

-- Events waiting for a sequence number. A statement trigger on each audit table adds a row in the
-- writer's own transaction, so an event enters the queue exactly when it commits; the sealer takes
-- what it sees committed, in one transaction with the audit_log rows that replace the markers.
-- Sequence numbers therefore follow the order the sealer saw commits, never insertion order.
CREATE TABLE audit_pending (
  id bigserial PRIMARY KEY,
  stream text NOT NULL CHECK (stream IN ('audit', 'security', 'query')),
  event_id uuid NOT NULL
);

CREATE TABLE audit_log (
  seq bigint PRIMARY KEY CHECK (seq >= 0),
  stream text NOT NULL CHECK (stream IN ('audit', 'security', 'query')),
  event_id uuid NOT NULL,
  leaf_hash bytea NOT NULL,
  -- HMAC of the leaf hash under a key derived from the signing key: lets `verify` name the exact
  -- row an attacker re-hashed, which the public checkpoints alone can only bound to a range.
  seal bytea NOT NULL,
  sealed_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX audit_log_event_key ON audit_log (event_id, stream);

-- Perfect-subtree hashes from level 8 up (one row per 256 leaves), so proofs read few leaves.
CREATE TABLE audit_nodes (
  level smallint NOT NULL,
  index bigint NOT NULL,
  hash bytea NOT NULL,
  PRIMARY KEY (level, index)
);

CREATE TABLE audit_checkpoints (
  id bigserial PRIMARY KEY,
  tree_size bigint NOT NULL,
  root_hash bytea NOT NULL,
  note text NOT NULL,
  key_id text NOT NULL,
  -- The compact range at tree_size (base64 hashes); it must fold to the signed root, which makes
  -- it as trustworthy as the signature. The sealer resumes from it.
  frontier jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_checkpoints_size ON audit_checkpoints (tree_size, id);

-- Signed records of the retention job: rows with seq < first_seq may be gone; verification starts
-- from the signed root and frontier at first_seq.
CREATE TABLE audit_truncations (
  id bigserial PRIMARY KEY,
  first_seq bigint NOT NULL,
  root_hash bytea NOT NULL,
  frontier jsonb NOT NULL,
  statement text NOT NULL,
  signature text NOT NULL,
  key_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Evidence packs (seed 002 §4.2). The canonical bytes commit with the act; the write-once copy
-- in the evidence store follows from the outbox after commit.
CREATE TABLE audit_evidence (
  id uuid PRIMARY KEY,
  organization_id uuid REFERENCES organizations (id),
  kind text NOT NULL CHECK (kind IN ('query', 'approval')),
  subject_id text,
  user_id uuid,
  event_id uuid NOT NULL,
  canonical_json text NOT NULL,
  sha256 text NOT NULL,
  signature text NOT NULL,
  key_id text NOT NULL,
  storage_key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_audit_evidence_org_created ON audit_evidence (organization_id, created_at DESC);
CREATE INDEX idx_audit_evidence_event ON audit_evidence (event_id);

CREATE TABLE audit_evidence_outbox (
  evidence_id uuid PRIMARY KEY REFERENCES audit_evidence (id) ON DELETE CASCADE,
  attempts integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Enqueue for sealing. Also forces synchronous_commit on for the writing transaction: an event
-- acknowledged to a caller must survive a crash of PostgreSQL itself, whatever the session says.
CREATE FUNCTION aureus_audit_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('synchronous_commit') = 'off' THEN
    PERFORM set_config('synchronous_commit', 'on', true);
  END IF;
  INSERT INTO audit_pending (stream, event_id) SELECT TG_ARGV[0], id FROM new_rows;
  RETURN NULL;
END;
$$;
CREATE TRIGGER audit_events_enqueue AFTER INSERT ON audit_events
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION aureus_audit_enqueue('audit');
CREATE TRIGGER security_events_enqueue AFTER INSERT ON security_events
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION aureus_audit_enqueue('security');
CREATE TRIGGER query_audit_log_enqueue AFTER INSERT ON query_audit_log
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION aureus_audit_enqueue('query');

-- Rows written before this migration are sealed first, oldest first.
INSERT INTO audit_pending (stream, event_id)
SELECT stream, id FROM (
  SELECT 'audit' AS stream, id, created_at FROM audit_events
  UNION ALL SELECT 'security', id, created_at FROM security_events
  UNION ALL SELECT 'query', id, created_at FROM query_audit_log
) old ORDER BY created_at, id;

-- The retention floor: rows sealed below it may be deleted, and only by the retention job.
CREATE FUNCTION aureus_audit_floor() RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT coalesce(max(first_seq), 0) FROM audit_truncations
$$;

-- The one documented way to delete audit rows (docs/audit.md "Retention"): the retention job's
-- transaction sets aureus.audit_retention = 'on' (SET LOCAL) and may then delete rows sealed below
-- the newest truncation record. Everything else, UPDATE always, is refused. A database owner can
-- still switch triggers off; that is what the signatures and `aureus audit verify` are for.
CREATE FUNCTION aureus_audit_event_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('aureus.audit_retention', true) = 'on' AND EXISTS (
    SELECT 1 FROM audit_log l WHERE l.event_id = OLD.id AND l.stream = TG_ARGV[0] AND l.seq < aureus_audit_floor()
  ) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit table % is append-only', TG_TABLE_NAME USING ERRCODE = '42501';
END;
$$;
DROP TRIGGER audit_events_append_only ON audit_events;
DROP TRIGGER security_events_append_only ON security_events;
DROP TRIGGER query_audit_log_append_only ON query_audit_log;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION aureus_audit_event_guard('audit');
CREATE TRIGGER security_events_append_only BEFORE UPDATE OR DELETE ON security_events
  FOR EACH ROW EXECUTE FUNCTION aureus_audit_event_guard('security');
CREATE TRIGGER query_audit_log_append_only BEFORE UPDATE OR DELETE ON query_audit_log
  FOR EACH ROW EXECUTE FUNCTION aureus_audit_event_guard('query');

-- One expression per table: PL/pgSQL plans each expression on its own, and OLD has only the
-- columns of the table the trigger fired for.
CREATE FUNCTION aureus_audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  expired boolean := false;
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('aureus.audit_retention', true) = 'on' THEN
    IF TG_TABLE_NAME = 'audit_log' THEN
      expired := OLD.seq < aureus_audit_floor();
    ELSIF TG_TABLE_NAME = 'audit_checkpoints' THEN
      expired := OLD.tree_size < aureus_audit_floor();
    ELSIF TG_TABLE_NAME = 'audit_evidence' THEN
      expired := EXISTS (SELECT 1 FROM audit_log l WHERE l.event_id = OLD.event_id AND l.seq < aureus_audit_floor());
    END IF;
  END IF;
  IF expired THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit table % is append-only', TG_TABLE_NAME USING ERRCODE = '42501';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION aureus_audit_log_guard();
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION aureus_audit_log_guard();
CREATE TRIGGER audit_evidence_append_only BEFORE UPDATE OR DELETE ON audit_evidence
  FOR EACH ROW EXECUTE FUNCTION aureus_audit_log_guard();
CREATE TRIGGER audit_nodes_append_only BEFORE UPDATE OR DELETE ON audit_nodes
  FOR EACH ROW EXECUTE FUNCTION aureus_refuse_audit_change();
CREATE TRIGGER audit_truncations_append_only BEFORE UPDATE OR DELETE ON audit_truncations
  FOR EACH ROW EXECUTE FUNCTION aureus_refuse_audit_change();

-- Only the sealer (SET LOCAL aureus.audit_sealer = 'on') takes markers off the queue.
CREATE FUNCTION aureus_audit_pending_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('aureus.audit_sealer', true) = 'on' THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION 'audit_pending rows are removed only by the sealer' USING ERRCODE = '42501';
END;
$$;
CREATE TRIGGER audit_pending_guard BEFORE UPDATE OR DELETE ON audit_pending
  FOR EACH STATEMENT EXECUTE FUNCTION aureus_audit_pending_guard();

-- TRUNCATE fires no row trigger; refuse it outright on every audit table.
CREATE FUNCTION aureus_refuse_audit_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit table % is append-only', TG_TABLE_NAME USING ERRCODE = '42501';
END;
$$;
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION aureus_refuse_audit_truncate();
CREATE TRIGGER security_events_no_truncate BEFORE TRUNCATE ON security_events FOR EACH STATEMENT EXECUTE FUNCTION aureus_refuse_audit_truncate();
CREATE TRIGGER query_audit_log_no_truncate BEFORE TRUNCATE ON query_audit_log FOR EACH STATEMENT EXECUTE FUNCTION aureus_refuse_audit_truncate();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION aureus_refuse_audit_truncate();
CREATE TRIGGER audit_nodes_no_truncate BEFORE TRUNCATE ON audit_nodes FOR EACH STATEMENT EXECUTE FUNCTION aureus_refuse_audit_truncate();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints FOR EACH STATEMENT EXECUTE FUNCTION aureus_refuse_audit_truncate();
CREATE TRIGGER audit_truncations_no_truncate BEFORE TRUNCATE ON audit_truncations FOR EACH STATEMENT EXECUTE FUNCTION aureus_refuse_audit_truncate();
CREATE TRIGGER audit_evidence_no_truncate BEFORE TRUNCATE ON audit_evidence FOR EACH STATEMENT EXECUTE FUNCTION aureus_refuse_audit_truncate();
