/**
 * Full verification of the sealed log in the database (`aureus audit verify`, GET /v1/audit/verify):
 * every leaf is rebuilt from its event row and checked against the stored leaf hash and seal, every
 * checkpoint's signature is checked and its root recomputed, stored subtree hashes are compared,
 * and events outside the log are looked for. The report names the first sequence number that
 * cannot be vouched for and what is wrong there (docs/audit.md "Verification").
 */
import type { Buffer } from 'node:buffer';
import type { KeyObject } from 'node:crypto';
import type { Executor } from '../../platform/db/index.js';
import { latestTruncation } from './checkpoint-repo.js';
import { CheckpointWalk } from './checkpoint-walk.js';
import { type Problem, classifyRow } from './classify.js';
import { STREAMS } from './leaf.js';
import { type StoredNode, logRows, nodesAmong, pendingCount, seqAfter, strayEvents } from './log-repo.js';
import { type MerkleAppender, createAppender } from './merkle.js';
import { STORED_NODE_LEVEL } from './sealer.js';
import { verifyTruncation } from './truncation.js';

export interface VerifyOptions {
  publicKey: KeyObject;
  origin: string;
  /** The seal key (server side): names the exact row an attacker re-hashed. */
  sealKey?: Buffer;
  /** A checkpoint note the auditor trusts (saved earlier): catches rollbacks and forks. */
  trusted?: string;
  chunk?: number;
}

export interface VerifyReport {
  ok: boolean;
  treeSize: number;
  /** Retention floor: sequence numbers below it were dropped under a signed record. */
  firstSeq: number;
  checkpointsVerified: number;
  latestCheckpoint: string | undefined;
  unsealed: number;
  problem: Problem | undefined;
  problems: Problem[];
}

const MAX_PROBLEMS = 20;

export async function verifyLog(db: Executor, options: VerifyOptions): Promise<VerifyReport> {
  const problems: Problem[] = [];
  const add = (p: Problem) => void (problems.length < MAX_PROBLEMS && problems.push(p));
  const key = { publicKey: options.publicKey, origin: options.origin };

  // Below a retention floor the leaves are gone: start from the signed frontier there.
  const truncation = await latestTruncation(db);
  if (truncation) {
    const verdict = verifyTruncation(key.publicKey, key.origin, truncation);
    if (!verdict.ok) {
      add({ kind: 'deleted', seq: 0, message: `events below seq ${truncation.firstSeq} were removed under a retention record that does not verify: ${verdict.reason}` });
      return report(problems, truncation.firstSeq, truncation.firstSeq, undefined, await pendingCount(db));
    }
  }
  const start = truncation?.firstSeq ?? 0;
  const computed: StoredNode[] = [];
  const appender = createAppender({
    ...(truncation ? { state: { size: start, frontier: truncation.frontier } } : {}),
    onNode: (level, index, hash) => void (level >= STORED_NODE_LEVEL && computed.push({ level, index, hash })),
  });
  const checkpoints = await CheckpointWalk.open(db, key, start, options.trusted, add);

  const intact = await walkLeaves(db, appender, checkpoints, computed, options, add);
  if (intact) {
    await checkpoints.settle(appender);
    await checkpoints.finish(appender.size);
    await findStrays(db, appender.size, add);
  }
  return report(problems, appender.size, start, checkpoints, await pendingCount(db));
}

/**
 * Rebuilds every leaf from its event row, in sequence order, stopping at the first bad row (what
 * follows it would only repeat the damage). Returns whether every row was sound.
 */
async function walkLeaves(db: Executor, appender: MerkleAppender, checkpoints: CheckpointWalk, computed: StoredNode[], options: VerifyOptions, add: (p: Problem) => void): Promise<boolean> {
  const chunk = options.chunk ?? 5_000;
  // The next chunk is read while this one is hashed (the extra row says where it starts).
  let fetching = logRows(db, appender.size, chunk + 1);
  for (;;) {
    const rows = await fetching;
    const following = rows[chunk];
    if (following) fetching = logRows(db, following.seq, chunk + 1);
    for (const [i, row] of rows.slice(0, chunk).entries()) {
      if (checkpoints.due(appender.size)) await checkpoints.settle(appender);
      const expected = appender.size;
      const verdict =
        row.seq === expected
          ? classifyRow(row, () => rows.slice(i + 1), options.sealKey)
          : { ok: false as const, problem: { kind: 'deleted' as const, seq: expected, message: `sequence numbers ${expected}–${row.seq - 1} are missing from the log` } };
      if (!verdict.ok) {
        add(verdict.problem);
        if (following) fetching.catch(() => undefined);
        return false;
      }
      appender.append([verdict.leafHash]);
    }
    await compareNodes(db, computed.splice(0), add);
    if (!following) return true;
  }
}

/** Events neither sealed nor queued were written behind the log's back. */
async function findStrays(db: Executor, size: number, add: (p: Problem) => void): Promise<void> {
  for (const stream of STREAMS) {
    for (const stray of await strayEvents(db, stream, 5)) {
      const seq = (await seqAfter(db, stream, stray.createdAt)) ?? size;
      add({ kind: 'inserted', seq, message: `${stream} event ${stray.id} (created ${stray.createdAt}) was never sealed: written behind the log's back, before seq ${seq}` });
    }
  }
}

async function compareNodes(db: Executor, computed: StoredNode[], add: (p: Problem) => void): Promise<void> {
  if (computed.length === 0) return;
  const stored = await nodesAmong(db, computed);
  for (const n of computed) {
    const hash = stored.get(`${n.level}/${n.index}`);
    if (!hash?.equals(n.hash)) {
      add({ kind: hash ? 'edited' : 'deleted', seq: n.index * 2 ** n.level, message: `stored subtree hash ${n.level}/${n.index} is ${hash ? 'wrong' : 'missing'}` });
    }
  }
}

function report(problems: Problem[], treeSize: number, firstSeq: number, checkpoints: CheckpointWalk | undefined, unsealed: number): VerifyReport {
  const ordered = [...problems].sort((a, b) => a.seq - b.seq);
  return {
    ok: problems.length === 0, treeSize, firstSeq, checkpointsVerified: checkpoints?.verified ?? 0, latestCheckpoint: checkpoints?.latest,
    unsealed, problem: ordered[0], problems: ordered,
  };
}
