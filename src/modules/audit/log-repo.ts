import { Buffer } from 'node:buffer';
import type { Executor } from '../../platform/db/index.js';
import { type Stream, leafDocJoin, tableOf } from './leaf.js';

/** bytea arrives as a Buffer from `pg` and as a Uint8Array from PGlite. */
export function bytes(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  const u8 = value as Uint8Array;
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

export interface PendingRow {
  id: number;
  stream: Stream;
  eventId: string;
  /** JSON text of the event's leaf fields; null when the event row is gone. */
  doc: string | null;
}

/** Committed, unsealed events, oldest marker first. */
export async function pendingBatch(db: Executor, limit: number): Promise<PendingRow[]> {
  const { rows } = await db.query<{ id: number | string; stream: Stream; event_id: string; doc: string | null }>(
    `SELECT p.id, p.stream, p.event_id::text AS event_id, d.doc
     FROM (SELECT id, stream, event_id FROM audit_pending ORDER BY id LIMIT $1) p ${leafDocJoin('p')} ORDER BY p.id`,
    [limit],
  );
  return rows.map((r) => ({ id: Number(r.id), stream: r.stream, eventId: r.event_id, doc: r.doc }));
}

export interface SealedRow {
  seq: number;
  stream: Stream;
  eventId: string;
  leafHash: Buffer;
  seal: Buffer;
}

export async function insertSealed(tx: Executor, rows: readonly SealedRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO audit_log (seq, stream, event_id, leaf_hash, seal)
     SELECT s, st, e, decode(h, 'hex'), decode(m, 'hex') FROM unnest($1::bigint[], $2::text[], $3::uuid[], $4::text[], $5::text[]) AS t(s, st, e, h, m)`,
    [rows.map((r) => r.seq), rows.map((r) => r.stream), rows.map((r) => r.eventId), rows.map((r) => r.leafHash.toString('hex')), rows.map((r) => r.seal.toString('hex'))],
  );
}

/** Takes sealed markers off the queue; the guard trigger lets only a transaction that says so. */
export async function deletePending(tx: Executor, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.query("SELECT set_config('aureus.audit_sealer', 'on', true)");
  await tx.query('DELETE FROM audit_pending WHERE id = ANY($1::bigint[])', [ids]);
}

export interface StoredNode {
  level: number;
  index: number;
  hash: Buffer;
}

export async function insertNodes(tx: Executor, nodes: readonly StoredNode[]): Promise<void> {
  if (nodes.length === 0) return;
  await tx.query(
    `INSERT INTO audit_nodes (level, index, hash)
     SELECT l, i, decode(h, 'hex') FROM unnest($1::smallint[], $2::bigint[], $3::text[]) AS t(l, i, h)`,
    [nodes.map((n) => n.level), nodes.map((n) => n.index), nodes.map((n) => n.hash.toString('hex'))],
  );
}

export async function nodeHash(db: Executor, level: number, index: number): Promise<Buffer | undefined> {
  const { rows } = await db.query<{ hash: unknown }>('SELECT hash FROM audit_nodes WHERE level = $1 AND index = $2', [level, index]);
  return rows[0] ? bytes(rows[0].hash) : undefined;
}

/** Stored nodes among the given (level, index) pairs, keyed `level/index`. */
export async function nodesAmong(db: Executor, wanted: readonly { level: number; index: number }[]): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  if (wanted.length === 0) return found;
  const { rows } = await db.query<{ level: number; index: number | string; hash: unknown }>(
    'SELECT n.level, n.index, n.hash FROM audit_nodes n JOIN unnest($1::smallint[], $2::bigint[]) AS w(l, i) ON n.level = w.l AND n.index = w.i',
    [wanted.map((w) => w.level), wanted.map((w) => w.index)],
  );
  for (const r of rows) found.set(`${r.level}/${Number(r.index)}`, bytes(r.hash));
  return found;
}

export async function leafHashes(db: Executor, start: number, end: number): Promise<Buffer[]> {
  const { rows } = await db.query<{ leaf_hash: unknown }>('SELECT leaf_hash FROM audit_log WHERE seq >= $1 AND seq < $2 ORDER BY seq', [start, end]);
  return rows.map((r) => bytes(r.leaf_hash));
}

/** Size of the sealed log: one past the highest sequence number (or the retention floor). */
export async function logSize(db: Executor): Promise<number> {
  const { rows } = await db.query<{ size: number | string }>('SELECT greatest(coalesce(max(seq) + 1, 0), aureus_audit_floor()) AS size FROM audit_log');
  return Number(rows[0]?.size ?? 0);
}

/** Unsealed events; with `cap`, counting stops there (a health probe must stay fast during catch-up). */
export async function pendingCount(db: Executor, cap?: number): Promise<number> {
  const { rows } =
    cap === undefined
      ? await db.query<{ n: number | string }>('SELECT count(*) AS n FROM audit_pending')
      : await db.query<{ n: number | string }>('SELECT count(*) AS n FROM (SELECT 1 FROM audit_pending LIMIT $1) capped', [cap]);
  return Number(rows[0]?.n ?? 0);
}

export interface LogRow {
  seq: number;
  stream: Stream;
  eventId: string;
  leafHash: Buffer;
  seal: Buffer;
  sealedAt: string;
  doc: string | null;
}

/** Up to `limit` log rows from `fromSeq` on, with their event's leaf fields; gaps stay visible. */
export async function logRows(db: Executor, fromSeq: number, limit: number): Promise<LogRow[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT l.seq, l.stream, l.event_id::text AS event_id, l.leaf_hash, l.seal, l.sealed_at, d.doc
     FROM (SELECT * FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2) l ${leafDocJoin('l')} ORDER BY l.seq`,
    [fromSeq, limit],
  );
  return rows.map((r) => ({
    seq: Number(r.seq),
    stream: r.stream as Stream,
    eventId: r.event_id as string,
    leafHash: bytes(r.leaf_hash),
    seal: bytes(r.seal),
    sealedAt: new Date(r.sealed_at as string).toISOString(),
    doc: r.doc as string | null,
  }));
}

/** The log row of an event, with its leaf fields. */
export async function logRowOfEvent(db: Executor, stream: Stream, eventId: string): Promise<LogRow | undefined> {
  const { rows } = await db.query<{ seq: number | string }>('SELECT seq FROM audit_log WHERE event_id = $1 AND stream = $2', [eventId, stream]);
  if (!rows[0]) return undefined;
  const [row] = await logRows(db, Number(rows[0].seq), 1);
  return row;
}

/**
 * Events that are neither sealed nor queued: written behind the log's back (at most `limit`).
 * Counting first keeps the usual case (none) to three linear counts; only a mismatch pays for the
 * set difference, which is linear too whatever the planner thinks of the queue's size.
 */
export async function strayEvents(db: Executor, stream: Stream, limit: number): Promise<{ id: string; createdAt: string }[]> {
  const table = tableOf(stream);
  const { rows: counts } = await db.query<{ events: number | string; accounted: number | string }>(
    `SELECT (SELECT count(*) FROM ${table}) AS events,
            (SELECT count(*) FROM audit_log WHERE stream = $1) + (SELECT count(*) FROM audit_pending WHERE stream = $1) AS accounted`,
    [stream],
  );
  if (Number(counts[0]?.events) === Number(counts[0]?.accounted)) return [];
  const { rows } = await db.query<{ id: string; created_at: string }>(
    `SELECT e.id::text AS id, e.created_at::text AS created_at FROM ${table} e
     WHERE e.id IN (SELECT id FROM ${table} EXCEPT SELECT event_id FROM audit_log WHERE stream = $1 EXCEPT SELECT event_id FROM audit_pending WHERE stream = $1)
     ORDER BY e.created_at LIMIT $2`,
    [stream, limit],
  );
  return rows.map((r) => ({ id: r.id, createdAt: r.created_at }));
}

/** Where a stray event would sit: the first sealed event of its stream created after it. */
export async function seqAfter(db: Executor, stream: Stream, createdAt: string): Promise<number | undefined> {
  const { rows } = await db.query<{ seq: number | string | null }>(
    `SELECT min(l.seq) AS seq FROM audit_log l JOIN ${tableOf(stream)} e ON e.id = l.event_id AND l.stream = $1 WHERE e.created_at > $2::timestamptz`,
    [stream, createdAt],
  );
  const seq = rows[0]?.seq;
  return seq === null || seq === undefined ? undefined : Number(seq);
}
