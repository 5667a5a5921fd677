import { Counter } from 'prom-client';
import type { Db } from '../../platform/db/index.js';
import type { Metrics } from '../../platform/metrics.js';
import { outboxCount } from './evidence-repo.js';
import { logSize, pendingCount } from './log-repo.js';
import type { Sealer } from './sealer.js';

/** A backlog this large means the sealer is not keeping up (or not running). */
const BACKLOG_DEGRADED = 50_000;
/** Scrapes count at most this many unsealed events (the gauge saturates rather than slows). */
const METRIC_CAP = 10_000_000;

export function registerAuditMetrics(metrics: Metrics, deps: { db: Db; sealer: Sealer }) {
  metrics.gauge('aureus_audit_sealed_events', 'Size of the sealed audit log (events with a sequence number).', [], async (set) => {
    const { role, size } = deps.sealer.status();
    set({}, role === 'leader' ? size : await logSize(deps.db).catch(() => size));
  });
  metrics.gauge('aureus_audit_unsealed_events', 'Committed audit events waiting for the sealer.', [], async (set) => {
    const n = await pendingCount(deps.db, METRIC_CAP).catch(() => undefined);
    if (n !== undefined) set({}, n);
  });
  metrics.gauge('aureus_audit_checkpoint_age_seconds', 'Seconds since the newest signed checkpoint (absent before the first).', [], (set) => {
    const at = deps.sealer.status().lastCheckpoint?.at;
    if (at) set({}, (Date.now() - Date.parse(at)) / 1000);
  });
  metrics.gauge('aureus_audit_evidence_unstored', 'Evidence packs committed but not yet in the write-once store.', [], async (set) => {
    const n = await outboxCount(deps.db).catch(() => undefined);
    if (n !== undefined) set({}, n);
  });
  return new Counter({ name: 'aureus_audit_verify_failures_total', help: 'Verifications that found a problem.', registers: [metrics.registry] });
}

/**
 * The `audit` health component: unhealthy when this instance's sealer has stopped on a corrupt
 * log; degraded when the backlog grows or checkpoints fall behind while there is work.
 */
export function auditHealthCheck(deps: { db: Db; sealer: Sealer; checkpointIntervalMs: number }) {
  return async (): Promise<{ message: string; status?: 'healthy' | 'degraded' | 'unhealthy' }> => {
    const s = deps.sealer.status();
    const backlog = await pendingCount(deps.db, BACKLOG_DEGRADED + 1);
    if (s.role === 'failed') return { message: `sealer stopped: ${s.error ?? 'unknown error'}`, status: 'unhealthy' };
    if (s.role === 'standby') return { message: `another instance seals; ${backlog} unsealed` };
    const age = s.lastCheckpoint ? Date.now() - Date.parse(s.lastCheckpoint.at) : undefined;
    const shown = backlog > BACKLOG_DEGRADED ? `over ${BACKLOG_DEGRADED}` : String(backlog);
    const message = `${s.size} sealed, ${shown} unsealed, last checkpoint ${s.lastCheckpoint ? `at ${s.lastCheckpoint.size} (${Math.round((age ?? 0) / 1000)} s ago)` : 'none yet'}`;
    const behind = backlog > 0 && age !== undefined && age > 3 * deps.checkpointIntervalMs + 5_000;
    return backlog > BACKLOG_DEGRADED || behind ? { message, status: 'degraded' } : { message };
  };
}
