import type { Executor } from '../../platform/db/index.js';
import { AppError } from '../../platform/errors.js';
import { checkpointOfSize, latestCheckpoint, latestTruncation } from './checkpoint-repo.js';
import { toBase64 } from './encoding.js';
import { type Stream, leafJson } from './leaf.js';
import { leafHashes, logRowOfEvent, nodeHash } from './log-repo.js';
import { type LeafHashSource, consistencyProof, inclusionProof } from './proofs.js';
import { STORED_NODE_LEVEL } from './sealer.js';

/** Proof hashes come from stored leaf hashes, and from stored subtree hashes where there are any. */
export function dbLeafSource(db: Executor): LeafHashSource {
  return {
    getLeafHashes: (start, end) => leafHashes(db, start, end),
    getNodeHash: async (level, index) => (level >= STORED_NODE_LEVEL ? nodeHash(db, level, index) : undefined),
  };
}

/** Everything an auditor needs to check one event offline with the public key alone. */
export interface EventProof {
  seq: number;
  /** The leaf data: the event's canonical JSON as hashed. */
  leaf: string;
  leafHash: string;
  sealedAt: string;
  /** Absent until a checkpoint covers the event (at most AUDIT_CHECKPOINT_INTERVAL_MS). */
  inclusion: { index: number; treeSize: number; hashes: string[]; checkpoint: string } | undefined;
}

/** undefined: not sealed yet. */
export async function eventProof(db: Executor, stream: Stream, eventId: string): Promise<EventProof | undefined> {
  const row = await logRowOfEvent(db, stream, eventId);
  if (!row || row.doc === null) return undefined;
  const checkpoint = await latestCheckpoint(db);
  const covered = checkpoint !== undefined && checkpoint.size > row.seq;
  const hashes = covered ? await inclusionProof(dbLeafSource(db), row.seq, checkpoint.size) : [];
  return {
    seq: row.seq,
    leaf: leafJson(stream, row.seq, row.doc),
    leafHash: toBase64(row.leafHash),
    sealedAt: row.sealedAt,
    inclusion: covered ? { index: row.seq, treeSize: checkpoint.size, hashes: hashes.map(toBase64), checkpoint: checkpoint.note } : undefined,
  };
}

export interface ConsistencyAnswer {
  oldSize: number;
  newSize: number;
  hashes: string[];
  /** The signed checkpoints of those sizes, when there are any. */
  oldCheckpoint: string | null;
  newCheckpoint: string;
}

/** Proof that the checkpoint of size `toSize` (default: the newest) extends the tree of `fromSize`. */
export async function consistencyBetween(db: Executor, fromSize: number, toSize?: number): Promise<ConsistencyAnswer> {
  const target = toSize === undefined ? await latestCheckpoint(db) : await checkpointOfSize(db, toSize);
  if (!target) throw new AppError('RESOURCE_NOT_FOUND', toSize === undefined ? 'No checkpoint has been issued yet.' : `No checkpoint of size ${toSize}.`);
  if (fromSize > target.size) throw new AppError('VALIDATION_ERROR', `from_size ${fromSize} is larger than the checkpoint's size ${target.size}.`);
  const floor = (await latestTruncation(db))?.firstSeq ?? 0;
  if (fromSize > 0 && fromSize < floor) {
    throw new AppError('VALIDATION_ERROR', `from_size ${fromSize} is below the retention floor ${floor}; start from a checkpoint at or above it.`);
  }
  const hashes = await consistencyProof(dbLeafSource(db), fromSize, target.size);
  const old = fromSize === 0 ? undefined : await checkpointOfSize(db, fromSize);
  return { oldSize: fromSize, newSize: target.size, hashes: hashes.map(toBase64), oldCheckpoint: old?.note ?? null, newCheckpoint: target.note };
}
