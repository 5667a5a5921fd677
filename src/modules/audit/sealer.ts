/**
 * The sealer: the one writer of audit_log. It takes the queue markers of committed events in
 * batches, numbers them gap-free in the order it sees them committed, hashes them into the Merkle
 * log and issues a signed checkpoint at least every AUDIT_CHECKPOINT_INTERVAL_MS while the log
 * grows. Appends never wait for it: writers only insert their event and its marker.
 *
 * One sealer per database: on PostgreSQL the instance holding a session advisory lock seals and
 * the others stand by, retrying the lock; PGlite has one owning process. Every failure ends the
 * leader run and the next one resumes from what the database says (the newest checkpoint's
 * frontier plus the leaf hashes sealed after it), never from memory.
 */
import type { Logger } from 'pino';
import type { Db, Executor, Session } from '../../platform/db/index.js';
import { inTransaction } from '../../platform/db/types.js';
import { insertCheckpoint } from './checkpoint-repo.js';
import { compareTimestamps, signCheckpoint } from './checkpoint.js';
import type { AuditKeys } from './keyring.js';
import { leafHashOf, sealOf } from './leaf.js';
import * as log from './log-repo.js';
import { type MerkleAppender } from './merkle.js';
import { insertAuditRows, securityRow } from './batch-repo.js';
import { resumeAppender } from './resume.js';

/** One constant per database: advisory locks are scoped to the database they are taken in. */
const SEALER_LOCK = 4_711_000_007;
const STANDBY_RETRY_MS = 2_000;
/** Nodes from this level up are stored (one row per 256 leaves) for fast proofs. */
export const STORED_NODE_LEVEL = 8;

/** Checkpoint times never go backwards, even if the clock does (a verifier would call it a rollback). */
function laterTimestamp(candidate: string, previous: string | undefined): string {
  return previous !== undefined && compareTimestamps(candidate, previous) < 0 ? previous : candidate;
}

export interface SealerOptions {
  db: Db;
  keys: AuditKeys;
  logger: Logger;
  checkpointIntervalMs: number;
  /** How soon to look again after a batch; each empty look doubles it, up to a second. */
  pollMs?: number;
  batchSize?: number;
  now?: () => Date;
}

export interface SealerStatus {
  role: 'starting' | 'leader' | 'standby' | 'failed' | 'stopped';
  size: number;
  lastCheckpoint: { size: number; at: string } | undefined;
  error: string | undefined;
}

interface Conn extends Executor {
  transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T>;
}

export function createSealer(options: SealerOptions) {
  const { db, keys, logger } = options;
  const pollMs = options.pollMs ?? Math.min(100, options.checkpointIntervalMs);
  // An idle log is looked at less and less often: on PGlite each look runs on the event loop, and
  // ten a second took ~4 % of an embedded gateway's main thread while it served requests that
  // audit nothing (~1 % with the back-off, profiled). An event is still sealed within a second, a
  // checkpoint that falls due is issued on time (the wait never runs past it), and flush() (on
  // shutdown) wakes the sealer at once.
  const idlePollMs = Math.max(pollMs, Math.min(1_000, options.checkpointIntervalMs));
  const batchSize = options.batchSize ?? 5_000;
  const now = options.now ?? (() => new Date());
  const status: SealerStatus = { role: 'stopped', size: 0, lastCheckpoint: undefined, error: undefined };
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let flushWaiters: (() => void)[] = [];
  let lastCheckpointMs = 0;

  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });

  async function issueCheckpoint(tx: Executor, appender: MerkleAppender): Promise<void> {
    const timestamp = laterTimestamp(now().toISOString(), status.lastCheckpoint?.at);
    const rootHash = appender.root();
    const note = signCheckpoint(keys.signing, { origin: keys.origin, size: appender.size, rootHash, timestamp });
    await insertCheckpoint(tx, { size: appender.size, rootHash, note, keyId: keys.signing.keyId, frontier: appender.state().frontier });
    status.lastCheckpoint = { size: appender.size, at: timestamp };
    lastCheckpointMs = Date.now();
  }

  /** Seals one batch; returns how many markers it took. */
  async function sealBatch(conn: Conn, appender: MerkleAppender, nodes: log.StoredNode[], force: boolean): Promise<number> {
    const batch = await log.pendingBatch(conn, batchSize);
    const sealed: log.SealedRow[] = [];
    const vanished = batch.filter((r) => r.doc === null);
    for (const r of batch) {
      if (r.doc === null) continue;
      const seq = appender.size;
      const leafHash = leafHashOf(r.stream, seq, r.doc);
      appender.append([leafHash]);
      sealed.push({ seq, stream: r.stream, eventId: r.eventId, leafHash, seal: sealOf(keys.sealKey, leafHash) });
    }
    const grown = appender.size > (status.lastCheckpoint?.size ?? 0);
    const due = grown && (force || Date.now() - lastCheckpointMs >= options.checkpointIntervalMs);
    if (batch.length === 0 && !due) return 0;
    await conn.transaction(async (tx) => {
      await log.insertSealed(tx, sealed);
      await log.insertNodes(tx, nodes.splice(0));
      await log.deletePending(tx, batch.map((r) => r.id));
      // An unsealed event can only vanish by tampering (retention deletes sealed rows only): say so
      // in the log itself rather than stall the queue behind it.
      const alarms = vanished.map((r) => securityRow({ type: 'audit_event_vanished', severity: 'critical', detail: { stream: r.stream, event_id: r.eventId } }, undefined));
      await insertAuditRows(tx, { security: alarms });
      if (due) await issueCheckpoint(tx, appender);
    });
    status.size = appender.size;
    for (const r of vanished) logger.error({ stream: r.stream, event_id: r.eventId }, 'audit.event_vanished');
    return batch.length;
  }

  async function lead(conn: Conn): Promise<void> {
    const nodes: log.StoredNode[] = [];
    const { appender, checkpoint, warning } = await resumeAppender(conn, keys, (level, index, hash) => {
      if (level >= STORED_NODE_LEVEL) nodes.push({ level, index, hash });
    });
    if (warning) logger.warn({ reason: warning }, 'audit.sealer_key_changed');
    status.role = 'leader';
    status.size = appender.size;
    status.error = undefined;
    status.lastCheckpoint = checkpoint ? { size: checkpoint.size, at: checkpoint.timestamp } : undefined;
    lastCheckpointMs = checkpoint ? Date.parse(checkpoint.timestamp) : 0;
    let idleMs = pollMs;
    while (running) {
      const flushing = flushWaiters.splice(0);
      let taken = await sealBatch(conn, appender, nodes, flushing.length > 0);
      while (flushing.length > 0 && taken > 0) taken = await sealBatch(conn, appender, nodes, true);
      for (const resolve of flushing) resolve();
      idleMs = taken > 0 ? pollMs : Math.min(idleMs * 2, idlePollMs);
      const unsigned = appender.size > (status.lastCheckpoint?.size ?? 0);
      const untilDue = unsigned ? Math.max(0, lastCheckpointMs + options.checkpointIntervalMs - Date.now()) : Infinity;
      if (taken < batchSize && flushWaiters.length === 0 && running) await sleep(Math.min(idleMs, untilDue));
    }
  }

  async function run(): Promise<void> {
    while (running) {
      try {
        if (db.kind === 'pglite') await lead(db);
        else await db.session((s) => leadWithLock(s));
      } catch (err) {
        const message = (err as Error).message;
        if (status.error !== message) logger.error({ err_message: message }, 'audit.sealer_failed');
        status.role = 'failed';
        status.error = message;
      }
      releaseFlushes();
      if (running) await sleep(STANDBY_RETRY_MS);
    }
  }

  async function leadWithLock(s: Session): Promise<void> {
    const { rows } = await s.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [SEALER_LOCK]);
    if (!rows[0]?.ok) {
      if (status.role !== 'standby') logger.info('audit.sealer_standby');
      status.role = 'standby';
      return;
    }
    try {
      await lead({ query: (text, params) => s.query(text, params), transaction: (fn) => inTransaction(s, fn) });
    } finally {
      await s.query('SELECT pg_advisory_unlock($1)', [SEALER_LOCK]).catch(() => undefined);
    }
  }

  function releaseFlushes(): void {
    for (const resolve of flushWaiters.splice(0)) resolve();
  }

  return {
    status: (): Readonly<SealerStatus> => status,
    start(): void {
      if (running) return;
      running = true;
      status.role = 'starting';
      loop = run();
    },
    /** Seals everything committed so far and checkpoints it; a standby has nothing to do. */
    async flush(): Promise<void> {
      if (!running || status.role === 'standby' || status.role === 'failed') return;
      await new Promise<void>((resolve) => {
        flushWaiters.push(resolve);
        wake?.();
      });
    },
    /** Final flush, then stop. */
    async stop(): Promise<void> {
      if (!running) return;
      await this.flush();
      running = false;
      wake?.();
      await loop;
      releaseFlushes();
      flushWaiters = [];
      status.role = 'stopped';
    },
  };
}

export type Sealer = ReturnType<typeof createSealer>;
