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

/**
 * Many final states in two statements: the queries (inserted, or updated unless already final — a
 * cancel that won stays) with their sealed results, then their query_audit_log rows, only for the
 * queries this write finished. Returns the ids it finished.
 */
export async function finishQueries(db: Executor, finals: { record: QueryRecord; sealed: Buffer | null; expiresAt: Date | null }[]): Promise<Set<string>> {
  // The results ride in the same statement (a CTE keyed on the rows actually finished).
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
     )
     SELECT id FROM finished`,
    [
      JSON.stringify(finals.map((f) => row(f.record))),
      JSON.stringify(finals.filter((f) => f.sealed).map((f) => ({ query_id: f.record.id, sealed: `\\x${(f.sealed as Buffer).toString('hex')}`, expires_at: f.expiresAt?.toISOString() }))),
    ],
  );
  const done = new Set(rows.map((r) => r.id));
  const applied = finals.filter((f) => done.has(f.record.id));
  if (applied.length > 0) {
    const log = 'organization_id, user_id, natural_language_query, generated_sql, was_successful, error_message, execution_time_ms, request_id';
    await db.query(`INSERT INTO query_audit_log (${log}) SELECT ${log} FROM json_populate_recordset(NULL::query_audit_log, $1::json)`, [
      JSON.stringify(applied.map(({ record: q }) => ({
        organization_id: q.organizationId, user_id: q.userId, natural_language_query: q.question, generated_sql: q.sql, was_successful: q.status === 'success',
        error_message: q.errorMessage, execution_time_ms: q.executionTimeMs, request_id: q.requestId,
      }))),
    ]);
  }
  return done;
}
