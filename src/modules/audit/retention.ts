/**
 * The retention job (AUDIT_RETENTION_DAYS): the only path that deletes audit rows. It drops whole
 * sealed ranges [0, F), F a multiple of 256 at or below the newest checkpoint, after
 *   1. computing the tree root at F from stored subtree hashes and proving, with a consistency
 *      proof, that it is a prefix of the newest signed checkpoint — so what it signs is the real
 *      history, not whatever the tables say;
 *   2. committing a signed truncation record (root and frontier at F) first;
 * and then deletes in chunks, each in a transaction that says `SET LOCAL aureus.audit_retention`,
 * which the append-only triggers accept for rows sealed below the newest record's floor only.
 * Verification then starts from the signed frontier at F and keeps passing.
 */
import type { Logger } from 'pino';
import type { Db } from '../../platform/db/index.js';
import { latestCheckpoint, latestTruncation, insertTruncation } from './checkpoint-repo.js';
import { verifyCheckpoint } from './checkpoint.js';
import type { AuditKeys } from './keyring.js';
import { foldFrontier } from './merkle.js';
import { dbLeafSource } from './proof-service.js';
import { verifyConsistency } from './proof-verify.js';
import { consistencyProof, spanNodes, subtreeHash } from './proofs.js';
import { signTruncation, truncationStatement } from './truncation.js';

const BLOCK = 256;
const DELETE_CHUNK = 5_000;
const DAY_MS = 86_400_000;

export interface RetentionResult {
  firstSeq: number;
  deletedEvents: number;
}

export async function runRetention(deps: { db: Db; keys: AuditKeys; retentionDays: number; logger: Logger; now?: () => number }): Promise<RetentionResult | undefined> {
  const { db, logger } = deps;
  const cutoff = new Date((deps.now ?? Date.now)() - deps.retentionDays * DAY_MS);
  const floor = (await latestTruncation(db))?.firstSeq ?? 0;
  const checkpoint = await latestCheckpoint(db);
  if (!checkpoint) return undefined;
  const { rows } = await db.query<{ seq: number | string | null }>('SELECT min(seq) AS seq FROM audit_log WHERE sealed_at >= $1', [cutoff]);
  const youngest = rows[0]?.seq === null || rows[0]?.seq === undefined ? checkpoint.size : Number(rows[0].seq);
  const firstSeq = Math.floor(Math.min(youngest, checkpoint.size) / BLOCK) * BLOCK;
  if (firstSeq > floor) await truncate(deps, firstSeq, checkpoint);
  const deletedEvents = await deleteBelow(db, Math.max(firstSeq, floor));
  if (deletedEvents > 0) logger.info({ first_seq: Math.max(firstSeq, floor), deleted_events: deletedEvents, older_than: cutoff.toISOString() }, 'audit.retention_done');
  return { firstSeq: Math.max(firstSeq, floor), deletedEvents };
}

async function truncate(deps: { db: Db; keys: AuditKeys }, firstSeq: number, checkpoint: NonNullable<Awaited<ReturnType<typeof latestCheckpoint>>>): Promise<void> {
  const { db, keys } = deps;
  const signed = verifyCheckpoint(checkpoint.note, keys.signing.publicKey, keys.origin);
  if (!signed.ok || !signed.value.rootHash.equals(checkpoint.rootHash)) throw new Error(`retention refused: the newest checkpoint does not verify (${signed.ok ? 'row differs from note' : signed.reason})`);
  const source = dbLeafSource(db);
  const frontier = [];
  for (const { level, index } of spanNodes({ start: 0, end: firstSeq })) frontier.push(await subtreeHash(source, level, index));
  const rootHash = foldFrontier(frontier);
  const proof = await consistencyProof(source, firstSeq, checkpoint.size);
  const consistent = verifyConsistency({ oldSize: firstSeq, newSize: checkpoint.size, oldRoot: rootHash, newRoot: checkpoint.rootHash, proof });
  if (!consistent.ok) throw new Error(`retention refused: the stored hashes below seq ${firstSeq} disagree with checkpoint ${checkpoint.size} (${consistent.reason}); run aureus audit verify`);
  const statement = truncationStatement(keys.origin, firstSeq, rootHash, new Date().toISOString());
  await insertTruncation(db, { firstSeq, rootHash, frontier, statement, signature: signTruncation(keys.signing, statement), keyId: keys.signing.keyId });
}

/** Deletes everything sealed below `floor`, chunk by chunk; resumable after a crash. */
async function deleteBelow(db: Db, floor: number): Promise<number> {
  const { rows } = await db.query<{ seq: number | string | null }>('SELECT min(seq) AS seq FROM audit_log');
  const lowest = rows[0]?.seq === null || rows[0]?.seq === undefined ? floor : Number(rows[0].seq);
  let deleted = 0;
  for (let from = lowest; from < floor; from += DELETE_CHUNK) {
    const to = Math.min(floor, from + DELETE_CHUNK);
    deleted += await db.transaction(async (tx) => {
      await tx.query("SELECT set_config('aureus.audit_retention', 'on', true)");
      // Evidence and events first: their guard looks up the log row that proves they are old.
      await tx.query(
        `DELETE FROM audit_evidence v USING audit_log l WHERE l.event_id = v.event_id AND l.stream = 'audit' AND l.seq >= $1 AND l.seq < $2`,
        [from, to],
      );
      let events = 0;
      for (const [stream, table] of [['audit', 'audit_events'], ['security', 'security_events'], ['query', 'query_audit_log']] as const) {
        const result = await tx.query(`DELETE FROM ${table} e USING audit_log l WHERE l.event_id = e.id AND l.stream = $1 AND l.seq >= $2 AND l.seq < $3`, [stream, from, to]);
        events += result.rowCount;
      }
      await tx.query('DELETE FROM audit_log WHERE seq >= $1 AND seq < $2', [from, to]);
      return events;
    });
  }
  await db.transaction(async (tx) => {
    await tx.query("SELECT set_config('aureus.audit_retention', 'on', true)");
    await tx.query('DELETE FROM audit_checkpoints WHERE tree_size < $1', [floor]);
  });
  return deleted;
}
