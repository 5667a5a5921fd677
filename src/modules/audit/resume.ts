import type { Executor } from '../../platform/db/index.js';
import { latestCheckpoint, latestTruncation } from './checkpoint-repo.js';
import { type Checkpoint, verifyCheckpoint } from './checkpoint.js';
import type { AuditKeys } from './keyring.js';
import { leafHashes, logSize } from './log-repo.js';
import { type MerkleAppender, type NodeListener, type TreeState, createAppender, foldFrontier, frontierLength } from './merkle.js';
import { verifyTruncation } from './truncation.js';

const REPLAY_CHUNK = 65_536;

export class CorruptLogError extends Error {
  constructor(message: string) {
    super(`${message}; sealing is stopped until this is resolved (run \`aureus audit verify\`)`);
    this.name = 'CorruptLogError';
  }
}

/**
 * Rebuilds the sealer's appender from the database: the newest checkpoint's frontier (or the
 * retention floor's), then the leaf hashes sealed since. The stored state is checked against its
 * signature before it is trusted, and a log shorter than its newest checkpoint is refused: sealing
 * on top of a truncated or rolled-back log would sign the damage.
 */
export async function resumeAppender(db: Executor, keys: AuditKeys, onNode: NodeListener): Promise<{ appender: MerkleAppender; checkpoint: Checkpoint | undefined; warning?: string }> {
  let base: TreeState = { size: 0, frontier: [] };
  let warning: string | undefined;
  const truncation = await latestTruncation(db);
  if (truncation) {
    const verdict = verifyTruncation(keys.signing.publicKey, keys.origin, truncation);
    if (!verdict.ok) throw new CorruptLogError(`retention record at seq ${truncation.firstSeq}: ${verdict.reason}`);
    base = { size: truncation.firstSeq, frontier: truncation.frontier };
  }
  const stored = await latestCheckpoint(db);
  let checkpoint: Checkpoint | undefined;
  if (stored && stored.size >= base.size) {
    const frontierOk = stored.frontier.length === frontierLength(stored.size) && foldFrontier(stored.frontier).equals(stored.rootHash);
    if (!frontierOk) throw new CorruptLogError(`the stored state of checkpoint ${stored.size} does not fold to its root`);
    if (stored.keyId === keys.signing.keyId) {
      const parsed = verifyCheckpoint(stored.note, keys.signing.publicKey, keys.origin);
      if (!parsed.ok) throw new CorruptLogError(`the newest checkpoint (size ${stored.size}) does not verify: ${parsed.reason}`);
      if (parsed.value.size !== stored.size || !parsed.value.rootHash.equals(stored.rootHash)) {
        throw new CorruptLogError(`the newest checkpoint's row disagrees with its signed note (size ${stored.size})`);
      }
      checkpoint = parsed.value;
    } else {
      // A new signing key (rotation, or a configured key replacing the development one): carry on
      // from the old state; verification needs the old public key for the older checkpoints.
      warning = `the newest checkpoint is signed by key ${stored.keyId}, not the configured ${keys.signing.keyId}`;
    }
    base = { size: stored.size, frontier: stored.frontier };
  }
  const size = await logSize(db);
  if (size < base.size) throw new CorruptLogError(`the log has ${size} events but its newest checkpoint covers ${base.size} (truncated or rolled back)`);
  let replaying = true;
  const appender = createAppender({ state: base, onNode: (level, index, hash) => !replaying && onNode(level, index, hash) });
  for (let from = base.size; from < size; from += REPLAY_CHUNK) {
    const to = Math.min(size, from + REPLAY_CHUNK);
    const hashes = await leafHashes(db, from, to);
    if (hashes.length !== to - from) throw new CorruptLogError(`sequence numbers are missing in [${from}, ${to})`);
    appender.append(hashes);
  }
  replaying = false;
  return { appender, checkpoint, ...(warning ? { warning } : {}) };
}
