/**
 * The checkpoint side of verification: stored checkpoints are walked in (size, id) order beside the
 * leaves. Each one's signature is checked; when the rebuilt tree reaches its size, its root is
 * compared; what is left past the end of the log shows a truncated tail. A checkpoint the auditor
 * kept outside the database is compared the same way (rollback, fork).
 */
import type { Buffer } from 'node:buffer';
import type { KeyObject } from 'node:crypto';
import type { Executor } from '../../platform/db/index.js';
import { type StoredCheckpoint, checkpointsAfter, maxCheckpointId } from './checkpoint-repo.js';
import { type Checkpoint, compareTimestamps, verifyCheckpoint } from './checkpoint.js';
import type { Problem } from './classify.js';
import type { MerkleAppender } from './merkle.js';
import type { Result } from './result.js';

const PAGE = 1_000;

export class CheckpointWalk {
  verified = 0;
  latest: string | undefined;
  private readonly matched: Checkpoint[] = [];
  private lastGood: Checkpoint | undefined;
  private page: StoredCheckpoint[] = [];
  private position = 0;
  private after = { size: -1, id: 0 };
  private exhausted = false;
  private trustedRoot: Buffer | undefined;

  private constructor(
    private readonly db: Executor,
    private readonly maxId: number,
    private readonly key: { publicKey: KeyObject; origin: string },
    private readonly start: number,
    private readonly trusted: Checkpoint | undefined,
    private readonly add: (p: Problem) => void,
  ) {}

  /** Checkpoints issued while verification runs cover rows it may not read: they wait for the next run. */
  static async open(db: Executor, key: { publicKey: KeyObject; origin: string }, start: number, trustedNote: string | undefined, add: (p: Problem) => void) {
    const trusted = trustedNote === undefined ? undefined : verifyCheckpoint(trustedNote, key.publicKey, key.origin);
    if (trusted && !trusted.ok) add({ kind: 'forged_checkpoint', seq: 0, message: `the trusted checkpoint does not verify: ${trusted.reason}` });
    const walk = new CheckpointWalk(db, await maxCheckpointId(db), key, start, trusted?.ok ? trusted.value : undefined, add);
    await walk.peek();
    return walk;
  }

  /** Whether `settle` has anything to do at this size (cheap, checked before every leaf). */
  due(size: number): boolean {
    const next = this.page[this.position];
    return (next !== undefined && next.size <= size) || this.trusted?.size === size;
  }

  /** Checks every checkpoint up to the appender's size; roots of those exactly at it. */
  async settle(appender: MerkleAppender): Promise<void> {
    if (this.trusted?.size === appender.size) this.trustedRoot = appender.root();
    for (let c = await this.peek(); c && c.size <= appender.size; this.position++, c = await this.peek()) {
      const signed = this.open(c);
      if (!signed.ok) continue;
      if (this.lastGood && compareTimestamps(signed.value.timestamp, this.lastGood.timestamp) < 0) {
        this.add({ kind: 'rolled_back', seq: this.lastGood.size, message: `checkpoint of size ${c.size} is dated ${signed.value.timestamp}, before the checkpoint of size ${this.lastGood.size} (${this.lastGood.timestamp})` });
      }
      if (c.size >= this.start && !appender.root().equals(c.rootHash)) {
        this.add({ kind: 'forked', seq: this.agreedBelow(c.size), message: `checkpoint of size ${c.size} signs a different history: the log's first ${c.size} events do not hash to its root` });
      } else if (c.size >= this.start) {
        this.matched.push(signed.value);
      }
      this.lastGood = signed.value;
    }
  }

  /** After the last leaf: checkpoints past the end mean a lost tail; the trusted one is compared. */
  async finish(size: number): Promise<void> {
    let truncated = false;
    for (let c = await this.peek(); c; this.position++, c = await this.peek()) {
      if (this.open(c).ok && !truncated) {
        truncated = true;
        this.add({ kind: 'truncated', seq: size, message: `the log ends at seq ${size - 1} but checkpoint ${c.id} covers ${c.size} events` });
      }
    }
    const t = this.trusted;
    if (!t) return;
    if (t.size > size) {
      this.add({ kind: 'rolled_back', seq: size, message: `the trusted checkpoint (${t.timestamp}) covers ${t.size} events but the log now has ${size}` });
    } else if (t.size >= this.start && this.trustedRoot && !this.trustedRoot.equals(t.rootHash)) {
      // The histories agree at most up to the newest checkpoint both could have seen.
      const shared = this.matched.filter((c) => c.size <= t.size && compareTimestamps(c.timestamp, t.timestamp) <= 0).pop()?.size ?? this.start;
      this.add({ kind: 'forked', seq: shared, message: `the trusted checkpoint of size ${t.size} has a different root: the log was rewritten after seq ${shared - 1}` });
    }
  }

  /** The signed note, agreeing with its row; a forgery is reported from the last good size. */
  private open(c: StoredCheckpoint): Result<Checkpoint> {
    const signed = verifyCheckpoint(c.note, this.key.publicKey, this.key.origin);
    if (signed.ok && signed.value.size === c.size && signed.value.rootHash.equals(c.rootHash)) {
      this.verified++;
      this.latest = c.note;
      return signed;
    }
    const reason = signed.ok ? 'its row differs from its note' : signed.reason;
    this.add({ kind: 'forged_checkpoint', seq: this.agreedBelow(c.size), message: `checkpoint ${c.id} (size ${c.size}) is not signed by the audit key: ${reason}` });
    return { ok: false, reason };
  }

  /** The newest checkpoint below `size` that matched the log: the histories agree up to it. */
  private agreedBelow(size: number): number {
    return this.matched.filter((c) => c.size < size).pop()?.size ?? this.start;
  }

  private async peek(): Promise<StoredCheckpoint | undefined> {
    if (this.position >= this.page.length && !this.exhausted) {
      this.page = await checkpointsAfter(this.db, this.after, this.maxId, PAGE);
      this.position = 0;
      this.exhausted = this.page.length < PAGE;
      const last = this.page[this.page.length - 1];
      if (last) this.after = { size: last.size, id: last.id };
    }
    return this.page[this.position];
  }
}
