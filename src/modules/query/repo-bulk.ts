import type { Executor } from '../../platform/db/index.js';
import type { QueryRecord } from './types.js';

const COLUMNS = [
  'id', 'organization_id', 'user_id', 'api_key_id', 'dataset_id', 'role', 'claims', 'source', 'question', 'sql', 'fingerprint', 'status', 'error_code',
  'error_message', 'columns', 'row_count', 'truncated', 'cached', 'result_sha256', 'execution_time_ms', 'policy_version', 'request_id', 'created_at',
  'started_at', 'finished_at', 'llm',
].join(', ');

function row(q: QueryRecord) {
  return {
    id: q.id, organization_id: q.organizationId, user_id: q.userId, api_key_id: q.apiKeyId, dataset_id: q.datasetId, role: q.role, claims: q.claims,
    source: q.source, question: q.question, sql: q.sql, fingerprint: q.fingerprint, status: q.status, error_code: q.errorCode, error_message: q.errorMessage,
    columns: q.columns, row_count: q.rowCount, truncated: q.truncated, cached: q.cached, result_sha256: q.resultSha256, execution_time_ms: q.executionTimeMs,
    policy_version: q.policyVersion, request_id: q.requestId, created_at: q.createdAt.toISOString(), started_at: q.startedAt?.toISOString() ?? null,
    finished_at: q.finishedAt?.toISOString() ?? null, llm: q.llm,
  };
}

/** Many queued queries in one statement. */
export async function insertQueries(db: Executor, queries: QueryRecord[]): Promise<void> {
  await db.query(`INSERT INTO queries (${COLUMNS}) SELECT ${COLUMNS} FROM json_populate_recordset(NULL::queries, $1::json)`, [JSON.stringify(queries.map(row))]);
}

const LOG_COLUMNS = 'organization_id uuid, user_id uuid, natural_language_query text, generated_sql text, was_successful boolean, error_message text, execution_time_ms numeric, request_id text';
const LOG_NAMES = LOG_COLUMNS.split(', ').map((c) => c.split(' ')[0]).join(', ');

/**
 * Many final states in one statement: the queries (inserted, or updated unless already final — a
 * cancel that won stays) with their sealed results and their query_audit_log rows, both only for
 * the queries this write finished (CTEs keyed on the rows actually finished). Returns those ids.
 */
export async function finishQueries(db: Executor, finals: { record: QueryRecord; sealed: Buffer | null; expiresAt: Date | null }[]): Promise<Set<string>> {
  const { rows } = await db.query<{ id: string }>(
    `WITH finished AS (
       INSERT INTO queries (${COLUMNS}) SELECT ${COLUMNS} FROM json_populate_recordset(NULL::queries, $1::json)
       ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, sql = EXCLUDED.sql, llm = EXCLUDED.llm, error_code = EXCLUDED.error_code, error_message = EXCLUDED.error_message,
         fingerprint = EXCLUDED.fingerprint, columns = EXCLUDED.columns, row_count = EXCLUDED.row_count, truncated = EXCLUDED.truncated,
         cached = EXCLUDED.cached, result_sha256 = EXCLUDED.result_sha256, execution_time_ms = EXCLUDED.execution_time_ms,
         policy_version = EXCLUDED.policy_version, started_at = COALESCE(queries.started_at, EXCLUDED.started_at), finished_at = EXCLUDED.finished_at
       WHERE queries.status IN ('pending', 'running')
       RETURNING id
     ), stored AS (
       INSERT INTO query_results (query_id, sealed, expires_at)
       SELECT r.query_id, r.sealed, r.expires_at FROM json_populate_recordset(NULL::query_results, $2::json) r JOIN finished f ON f.id = r.query_id
     ), logged AS (
       INSERT INTO query_audit_log (${LOG_NAMES})
       SELECT ${LOG_NAMES.split(', ').map((c) => `r.${c}`).join(', ')} FROM json_to_recordset($3::json) AS r(query_id uuid, ${LOG_COLUMNS}) JOIN finished f ON f.id = r.query_id
     )
     SELECT id FROM finished`,
    [
      JSON.stringify(finals.map((f) => row(f.record))),
      JSON.stringify(finals.filter((f) => f.sealed).map((f) => ({ query_id: f.record.id, sealed: `\\x${(f.sealed as Buffer).toString('hex')}`, expires_at: f.expiresAt?.toISOString() }))),
      JSON.stringify(finals.map(({ record: q }) => ({
        query_id: q.id, organization_id: q.organizationId, user_id: q.userId, natural_language_query: q.question, generated_sql: q.sql, was_successful: q.status === 'success',
        error_message: q.errorMessage, execution_time_ms: q.executionTimeMs, request_id: q.requestId,
      }))),
    ],
  );
  return new Set(rows.map((r) => r.id));
}
