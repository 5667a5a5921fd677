import type { Db, Executor } from '../../platform/db/index.js';
import type { RequestContext } from '../../platform/context.js';
import { type AuditEvent, type AuditRows, type AuditService, type SecurityEvent, type Severity, eventRow, securityRow } from '../audit/index.js';
import { type Batched, createCommitBatcher } from './batcher.js';
import { queryEvidence } from './evidence.js';
import type { Outcome } from './execute.js';
import * as repo from './repo.js';
import { finishQueries, insertQueries } from './repo-bulk.js';
import type { ResultStore, SealedResult } from './results.js';
import type { QueryRecord } from './types.js';

// Refusals that look like an attack rather than a mistake are raised to high severity.
const HIGH = new Set(['SYSTEM_RELATION', 'MULTIPLE_STATEMENTS', 'STATEMENT_NOT_ALLOWED', 'DATA_MODIFYING_CTE', 'SELECT_INTO', 'ROW_LOCKING', 'FUNCTION_NOT_ALLOWED', 'ROW_FILTER_BYPASS', 'INVALID_INPUT']);

const who = (q: QueryRecord) => ({ organizationId: q.organizationId, userId: q.userId, apiKeyId: q.apiKeyId, resourceType: 'query', resourceId: q.id });
const submittedEvent = (q: QueryRecord) => ({ type: 'query.submitted', ...who(q), details: { dataset_id: q.datasetId, source: q.source, fingerprint: q.fingerprint } });

interface Final {
  record: QueryRecord;
  outcome: Outcome;
  sealed: SealedResult | null;
  withSubmitted: boolean;
}

/**
 * Every write of the query path, through group commit: the row and submitted event when a job is
 * queued; and the final state with its sealed result, query_audit_log row, audit events and
 * evidence pack (executed and refused queries), in one transaction. A batch of any size is four
 * round trips: BEGIN, the queries with their results and query_audit_log rows, every audit row of
 * the batch (each attributed to its own request), COMMIT.
 */
export function createQueryStore(deps: { db: Db; audit: AuditService; results: ResultStore; parallel: number }) {
  /** The audit rows of one final state, added to `rows`. */
  function finalRows(rows: Required<AuditRows>, q: QueryRecord, outcome: Outcome, context: RequestContext | undefined): void {
    const refused = q.errorCode === 'SQL_VALIDATION_FAILED' && (outcome.plan?.violations.length ?? 0) > 0;
    const base = { dataset_id: q.datasetId, fingerprint: q.fingerprint, policy_version: q.policyVersion };
    const pack = (event: AuditEvent) => {
      // The act's event is written with its evidence pack, and names it.
      const prepared = deps.audit.evidence.prepare(queryEvidence(q, outcome, event), context);
      rows.events.push(prepared.event);
      rows.evidence.push(prepared.evidence);
    };
    const security = (event: SecurityEvent) => rows.security.push(securityRow(event, context));
    if (q.status === 'success') {
      pack({
        type: 'query.executed', ...who(q),
        details: {
          ...base, row_count: q.rowCount, truncated: q.truncated, cached: q.cached, execution_time_ms: q.executionTimeMs, result_sha256: q.resultSha256,
          masked_columns: (q.columns ?? []).filter((c) => c.masked).map((c) => `${c.name}:${c.masking}`), row_filters: outcome.plan?.filteredTables ?? [],
        },
      });
    } else if (q.errorCode === 'PROMPT_INJECTION_DETECTED') {
      const injection = outcome.injection ?? { category: 'unknown', signals: [] };
      pack({ type: 'query.refused', outcome: 'denied', ...who(q), details: { ...base, reason: 'prompt_injection', category: injection.category } });
      security({ type: 'prompt_injection_detected', severity: 'high', organizationId: q.organizationId, userId: q.userId, detail: { query_id: q.id, dataset_id: q.datasetId, ...injection } });
    } else if (q.status === 'cancelled') {
      rows.events.push(eventRow({ type: 'query.cancelled', ...who(q), details: { ...base, reason: q.errorMessage } }, context));
    } else if (refused) {
      const codes = (outcome.plan?.violations ?? []).map((v) => v.code);
      pack({ type: 'query.refused', outcome: 'denied', ...who(q), details: { ...base, violations: codes } });
      const severity: Severity = codes.some((c) => HIGH.has(c)) ? 'high' : 'medium';
      security({ type: 'query_refused', severity, organizationId: q.organizationId, userId: q.userId, detail: { query_id: q.id, ...base, violations: codes } });
    } else {
      rows.events.push(eventRow({ type: 'query.failed', outcome: 'failure', ...who(q), details: { ...base, error_code: q.errorCode } }, context));
    }
  }

  async function flushFinals(tx: Executor, batch: Batched<Final>[]): Promise<boolean[]> {
    const done = await finishQueries(tx, batch.map(({ item }) => ({ record: item.record, sealed: item.sealed?.sealed ?? null, expiresAt: item.sealed?.expiresAt ?? null })));
    const rows: Required<AuditRows> = { events: [], security: [], evidence: [] };
    for (const { item, context } of batch) {
      if (!done.has(item.record.id)) continue;
      if (item.withSubmitted) rows.events.push(eventRow(submittedEvent(item.record), context));
      finalRows(rows, item.record, item.outcome, context);
    }
    await deps.audit.write(tx, rows);
    return batch.map(({ item }) => done.has(item.record.id));
  }

  async function flushSubmitted(tx: Executor, batch: Batched<QueryRecord>[]): Promise<void[]> {
    await insertQueries(tx, batch.map((b) => b.item));
    await deps.audit.write(tx, { events: batch.map((b) => eventRow(submittedEvent(b.item), b.context)) });
    return batch.map(() => undefined);
  }

  const finals = createCommitBatcher(deps.db, flushFinals, { parallel: deps.parallel });
  const submissions = createCommitBatcher(deps.db, flushSubmitted, { parallel: deps.parallel });

  return {
    /** A queued query: its row and the submitted event, committed before the job is enqueued. */
    submitted: (q: QueryRecord): Promise<void> => submissions.run(q),

    /**
     * The final state. `withSubmitted`: the query was never queued (its caller waited), so its
     * submitted event is written now, in the same transaction. Returns the stored record, or
     * undefined when the query had already reached a final state (a cancel won).
     */
    async finish(q: QueryRecord, outcome: Outcome, withSubmitted: boolean): Promise<QueryRecord | undefined> {
      const sealed = outcome.data ? deps.results.seal(q.id, outcome.data) : null;
      const record: QueryRecord = {
        ...q,
        status: outcome.status,
        errorCode: outcome.errorCode,
        errorMessage: outcome.errorMessage,
        fingerprint: outcome.plan?.verdict.fingerprint || q.fingerprint,
        policyVersion: outcome.plan?.policyVersion ?? q.policyVersion,
        columns: outcome.data?.columns ?? null,
        rowCount: outcome.data ? outcome.data.rows.length : null,
        truncated: outcome.truncated,
        cached: outcome.cached,
        resultSha256: sealed?.sha256 ?? null,
        executionTimeMs: outcome.executionTimeMs,
        finishedAt: new Date(),
      };
      return (await finals.run({ record, outcome, sealed, withSubmitted })) ? record : undefined;
    },

    markRunning: (id: string) => repo.markRunning(deps.db, id),
    find: (id: string) => repo.findQuery(deps.db, id),
    result: (id: string) => repo.findResult(deps.db, id),
    list: (q: Parameters<typeof repo.listQueries>[1]) => repo.listQueries(deps.db, q),
    deleteExpired: (now: Date) => repo.deleteExpiredResults(deps.db, now),
    stale: (before: Date) => repo.staleQueries(deps.db, before),
    async drain(): Promise<void> {
      await submissions.drain();
      await finals.drain();
    },
  };
}

export type QueryStore = ReturnType<typeof createQueryStore>;
