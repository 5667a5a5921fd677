/**
 * RFC 6962 Merkle tree hashing (the scheme of Certificate Transparency, RFC 9162 and the
 * transparency-dev/C2SP logs): leaf = SHA-256(0x00 ‖ data), node = SHA-256(0x01 ‖ left ‖ right),
 * empty tree = SHA-256(""). The prefixes keep a leaf from ever passing for an interior node.
 *
 * No npm package both hashes this way and appends incrementally from a stored right edge:
 * @transmute/rfc9162 (0.0.x) recomputes everything from the full entry list, and sigstore's
 * verifier only checks inclusion. So the hasher is written here and checked against the published
 * transparency-dev vectors (test/unit/fixtures/rfc6962-vectors.json).
 *
 * Sizes and indexes are JavaScript numbers limited to Number.MAX_SAFE_INTEGER (2^53 − 1); all bit
 * arithmetic below uses division, never the 32-bit `>>` / `&` operators.
 */
import { Buffer } from 'node:buffer';
import { createHash, hash } from 'node:crypto';

export const HASH_SIZE = 32;

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;
const EMPTY_ROOT = hash('sha256', Buffer.alloc(0), 'buffer');
/** Leaves larger than this are streamed through a Hash object rather than copied to the scratch. */
const LEAF_SCRATCH_MAX = 64 * 1024;

// crypto.hash is synchronous, so one scratch buffer per kind can be reused: a node costs one
// 65-byte copy and one output Buffer, about a third faster than createHash().update()×3.
const nodeScratch = Buffer.alloc(1 + 2 * HASH_SIZE);
nodeScratch[0] = NODE_PREFIX;
let leafScratch = Buffer.alloc(1024);

/** Root of the empty tree (a fresh copy: Buffers are mutable). */
export function emptyRoot(): Buffer {
  return Buffer.from(EMPTY_ROOT);
}

export function hashLeaf(data: Uint8Array): Buffer {
  const needed = data.length + 1;
  if (needed > LEAF_SCRATCH_MAX) return createHash('sha256').update(Buffer.of(LEAF_PREFIX)).update(data).digest();
  if (leafScratch.length < needed) leafScratch = Buffer.alloc(Math.max(needed, leafScratch.length * 2));
  leafScratch[0] = LEAF_PREFIX;
  leafScratch.set(data, 1);
  return hash('sha256', leafScratch.subarray(0, needed), 'buffer');
}

export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    // Only the RFC's own test vectors hash children that are not SHA-256 outputs.
    return createHash('sha256').update(Buffer.of(NODE_PREFIX)).update(left).update(right).digest();
  }
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 1 + HASH_SIZE);
  return hash('sha256', nodeScratch, 'buffer');
}

/** RFC 6962's k: the largest power of two strictly below n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Number of perfect subtrees in the compact range [0, size): the number of 1 bits of size. */
export function frontierLength(size: number): number {
  let count = 0;
  for (let s = size; s > 0; s = Math.floor(s / 2)) count += s % 2;
  return count;
}

/**
 * Root of a compact range: perfect-subtree hashes ordered left to right (largest first), folded
 * from the right as RFC 6962's MTH does for the unbalanced right edge.
 */
export function foldFrontier(nodes: readonly Buffer[]): Buffer {
  const last = nodes[nodes.length - 1];
  if (last === undefined) return emptyRoot();
  let root = last;
  for (let i = nodes.length - 2; i >= 0; i--) root = hashChildren(nodes[i] as Buffer, root);
  return root === last ? Buffer.from(last) : root;
}

/** What a repo persists to resume appending: the size and the right-edge subtree hashes. */
export interface TreeState {
  readonly size: number;
  /** Perfect-subtree hashes covering [0, size), left (largest) to right; one per 1 bit of size. */
  readonly frontier: readonly Buffer[];
}

/** Called for every perfect subtree an append completes, e.g. to store hashes for fast proofs. */
export type NodeListener = (level: number, index: number, hash: Buffer) => void;

export interface MerkleAppender {
  readonly size: number;
  /** Appends leaf hashes in order and returns the new root: O(batch + log n) hashes. */
  append(leafHashes: readonly Buffer[]): Buffer;
  root(): Buffer;
  /** A copy of the state, safe to persist and to pass to createAppender({ state }) later. */
  state(): TreeState;
}

export interface AppenderOptions {
  /** Where a previous appender stopped (its state()). */
  readonly state?: TreeState;
  readonly onNode?: NodeListener;
}

/**
 * An appender over the compact range [0, size). Appending leaf n merges the right edge once per
 * trailing 1 bit of n — one node hash per leaf on average — and the root folds at most log n
 * frontier hashes; no earlier leaf is ever read again.
 *
 * Throws RangeError when `state` breaks its invariant: it is our own stored data, and resuming a
 * log from a corrupt frontier must stop the sealer, not be reported as a verification failure.
 */
export function createAppender(options: AppenderOptions = {}): MerkleAppender {
  const { state, onNode } = options;
  const nodes: Buffer[] = [];
  let size = 0;
  if (state !== undefined) {
    assertTreeState(state);
    for (const node of state.frontier) nodes.push(Buffer.from(node));
    size = state.size;
  }

  function appendOne(leafHash: Buffer): void {
    if (leafHash.length !== HASH_SIZE) throw new RangeError(`leaf hash must be ${HASH_SIZE} bytes`);
    let node = leafHash;
    let level = 0;
    for (let s = size; s % 2 === 1; s = Math.floor(s / 2)) {
      node = hashChildren(nodes.pop() as Buffer, node);
      level++;
      onNode?.(level, Math.floor(size / 2 ** level), node);
    }
    nodes.push(level === 0 ? Buffer.from(node) : node);
    size++;
  }

  return {
    get size() {
      return size;
    },
    append(leafHashes) {
      for (const leafHash of leafHashes) appendOne(leafHash);
      return foldFrontier(nodes);
    },
    root: () => foldFrontier(nodes),
    state: () => ({ size, frontier: nodes.map((node) => Buffer.from(node)) }),
  };
}

/** MTH of a list of leaf hashes. */
export function rootFromLeafHashes(leafHashes: readonly Buffer[]): Buffer {
  return createAppender().append(leafHashes);
}

function assertTreeState(state: TreeState): void {
  if (!Number.isSafeInteger(state.size) || state.size < 0) throw new RangeError('tree size must be a safe non-negative integer');
  if (state.frontier.length !== frontierLength(state.size)) {
    throw new RangeError(`a tree of size ${state.size} has ${frontierLength(state.size)} frontier hashes, got ${state.frontier.length}`);
  }
  if (state.frontier.some((node) => node.length !== HASH_SIZE)) throw new RangeError(`frontier hashes must be ${HASH_SIZE} bytes`);
}
