import type { Executor } from '../../platform/db/index.js';
import type { Role } from '../identity/index.js';
import type { Claims, LlmTrace, QueryRecord, QueryStatus, ResultColumn } from './types.js';

const COLUMNS = `id, organization_id, user_id, api_key_id, dataset_id, role, claims, source, question, sql, fingerprint, status, error_code,
  error_message, columns, row_count, truncated, cached, result_sha256, execution_time_ms, policy_version, request_id, created_at, started_at, finished_at, llm`;

function toRecord(r: Record<string, unknown>): QueryRecord {
  return {
    id: r.id as string,
    organizationId: r.organization_id as string,
    userId: r.user_id as string,
    apiKeyId: r.api_key_id as string | null,
    datasetId: r.dataset_id as string,
    role: r.role as Role,
    claims: r.claims as Claims,
    source: r.source as 'sql' | 'ask',
    question: r.question as string | null,
    sql: r.sql as string | null,
    llm: r.llm as LlmTrace | null,
    fingerprint: r.fingerprint as string | null,
    status: r.status as QueryStatus,
    errorCode: r.error_code as string | null,
    errorMessage: r.error_message as string | null,
    columns: r.columns as ResultColumn[] | null,
    rowCount: r.row_count as number | null,
    truncated: r.truncated as boolean | null,
    cached: r.cached as boolean,
    resultSha256: r.result_sha256 as string | null,
    executionTimeMs: r.execution_time_ms as number | null,
    policyVersion: r.policy_version as number | null,
    requestId: r.request_id as string | null,
    createdAt: r.created_at as Date,
    startedAt: r.started_at as Date | null,
    finishedAt: r.finished_at as Date | null,
  };
}

export async function markRunning(db: Executor, id: string): Promise<QueryRecord | undefined> {
  const { rows } = await db.query(`UPDATE queries SET status = 'running', started_at = now() WHERE id = $1 AND status = 'pending' RETURNING ${COLUMNS}`, [id]);
  return rows[0] ? toRecord(rows[0] as Record<string, unknown>) : undefined;
}

export async function findQuery(db: Executor, id: string): Promise<QueryRecord | undefined> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM queries WHERE id = $1`, [id]);
  return rows[0] ? toRecord(rows[0] as Record<string, unknown>) : undefined;
}

export async function findResult(db: Executor, id: string): Promise<{ sealed: Buffer; expiresAt: Date } | undefined> {
  const { rows } = await db.query<{ sealed: Uint8Array; expires_at: Date }>('SELECT sealed, expires_at FROM query_results WHERE query_id = $1 AND expires_at > now()', [id]);
  const r = rows[0];
  return r ? { sealed: Buffer.from(r.sealed), expiresAt: r.expires_at } : undefined;
}

/** Newest first; `userId` limits to one caller's queries. */
export async function listQueries(db: Executor, q: { organizationId: string; userId?: string; limit: number; before?: { t: string; id: string } }): Promise<QueryRecord[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM queries
     WHERE organization_id = $1 AND ($2::uuid IS NULL OR user_id = $2::uuid)
       AND ($3::timestamptz IS NULL OR (created_at, id) < ($3::timestamptz, $4::uuid))
     ORDER BY created_at DESC, id DESC LIMIT $5`,
    [q.organizationId, q.userId ?? null, q.before?.t ?? null, q.before?.id ?? null, q.limit],
  );
  return rows.map((r) => toRecord(r as Record<string, unknown>));
}

export async function deleteExpiredResults(db: Executor, now: Date): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM query_results WHERE expires_at <= $1', [now]);
  return rowCount;
}

/** Queries still pending or running long after any worker would have finished them. */
export async function staleQueries(db: Executor, createdBefore: Date): Promise<QueryRecord[]> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM queries WHERE status IN ('pending', 'running') AND created_at < $1 ORDER BY created_at LIMIT 500`, [createdBefore]);
  return rows.map((r) => toRecord(r as Record<string, unknown>));
}
