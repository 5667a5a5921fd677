import type { Buffer } from 'node:buffer';
import type { Executor } from '../../platform/db/index.js';
import { fromBase64, toBase64 } from './encoding.js';
import { bytes } from './log-repo.js';

export interface StoredCheckpoint {
  id: number;
  size: number;
  rootHash: Buffer;
  /** The signed note, exactly as issued. */
  note: string;
  keyId: string;
  frontier: Buffer[];
  createdAt: string;
}

const COLUMNS = 'id, tree_size, root_hash, note, key_id, frontier, created_at';

function decodeFrontier(value: unknown): Buffer[] {
  const list = (typeof value === 'string' ? JSON.parse(value) : value) as unknown[];
  return list.map((item, i) => {
    const decoded = fromBase64(item, 32);
    if (!decoded.ok) throw new RangeError(`stored frontier[${i}]: ${decoded.reason}`);
    return decoded.value;
  });
}

function toCheckpoint(r: Record<string, unknown>): StoredCheckpoint {
  return {
    id: Number(r.id),
    size: Number(r.tree_size),
    rootHash: bytes(r.root_hash),
    note: r.note as string,
    keyId: r.key_id as string,
    frontier: decodeFrontier(r.frontier),
    createdAt: new Date(r.created_at as string).toISOString(),
  };
}

export async function insertCheckpoint(tx: Executor, c: { size: number; rootHash: Buffer; note: string; keyId: string; frontier: readonly Buffer[] }): Promise<StoredCheckpoint> {
  const { rows } = await tx.query<Record<string, unknown>>(
    `INSERT INTO audit_checkpoints (tree_size, root_hash, note, key_id, frontier) VALUES ($1, decode($2, 'hex'), $3, $4, $5::jsonb) RETURNING ${COLUMNS}`,
    [c.size, c.rootHash.toString('hex'), c.note, c.keyId, JSON.stringify(c.frontier.map((h) => toBase64(h)))],
  );
  return toCheckpoint(rows[0] as Record<string, unknown>);
}

export async function latestCheckpoint(db: Executor): Promise<StoredCheckpoint | undefined> {
  const { rows } = await db.query<Record<string, unknown>>(`SELECT ${COLUMNS} FROM audit_checkpoints ORDER BY tree_size DESC, id DESC LIMIT 1`);
  return rows[0] ? toCheckpoint(rows[0]) : undefined;
}

/** Checkpoints in (size, id) order after a position: what verification walks beside the leaves. */
export async function checkpointsAfter(db: Executor, after: { size: number; id: number }, maxId: number, limit: number): Promise<StoredCheckpoint[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT ${COLUMNS} FROM audit_checkpoints WHERE (tree_size, id) > ($1::bigint, $2::bigint) AND id <= $3 ORDER BY tree_size, id LIMIT $4`,
    [after.size, after.id, maxId, limit],
  );
  return rows.map(toCheckpoint);
}

/** Newest first, for the API; `beforeId` pages backwards. */
export async function listCheckpoints(db: Executor, limit: number, beforeId?: number): Promise<StoredCheckpoint[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT ${COLUMNS} FROM audit_checkpoints WHERE ($1::bigint IS NULL OR id < $1::bigint) ORDER BY id DESC LIMIT $2`,
    [beforeId ?? null, limit],
  );
  return rows.map(toCheckpoint);
}

/** The newest checkpoint id: verification ignores checkpoints issued while it runs. */
export async function maxCheckpointId(db: Executor): Promise<number> {
  const { rows } = await db.query<{ id: number | string | null }>('SELECT max(id) AS id FROM audit_checkpoints');
  return Number(rows[0]?.id ?? 0);
}

export async function checkpointOfSize(db: Executor, size: number): Promise<StoredCheckpoint | undefined> {
  const { rows } = await db.query<Record<string, unknown>>(`SELECT ${COLUMNS} FROM audit_checkpoints WHERE tree_size = $1 ORDER BY id DESC LIMIT 1`, [size]);
  return rows[0] ? toCheckpoint(rows[0]) : undefined;
}

export interface StoredTruncation {
  id: number;
  firstSeq: number;
  rootHash: Buffer;
  frontier: Buffer[];
  statement: string;
  signature: string;
  keyId: string;
  createdAt: string;
}

export async function latestTruncation(db: Executor): Promise<StoredTruncation | undefined> {
  const { rows } = await db.query<Record<string, unknown>>(
    'SELECT id, first_seq, root_hash, frontier, statement, signature, key_id, created_at FROM audit_truncations ORDER BY first_seq DESC, id DESC LIMIT 1',
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    id: Number(r.id),
    firstSeq: Number(r.first_seq),
    rootHash: bytes(r.root_hash),
    frontier: decodeFrontier(r.frontier),
    statement: r.statement as string,
    signature: r.signature as string,
    keyId: r.key_id as string,
    createdAt: new Date(r.created_at as string).toISOString(),
  };
}

export async function insertTruncation(
  tx: Executor,
  t: { firstSeq: number; rootHash: Buffer; frontier: readonly Buffer[]; statement: string; signature: string; keyId: string },
): Promise<void> {
  await tx.query(
    `INSERT INTO audit_truncations (first_seq, root_hash, frontier, statement, signature, key_id) VALUES ($1, decode($2, 'hex'), $3::jsonb, $4, $5, $6)`,
    [t.firstSeq, t.rootHash.toString('hex'), JSON.stringify(t.frontier.map((h) => toBase64(h))), t.statement, t.signature, t.keyId],
  );
}
