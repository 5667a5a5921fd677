/**
 * Inclusion (RFC 6962 §2.1.1 PATH) and consistency (§2.1.2 PROOF) proofs, built from stored leaf
 * hashes. Every proof element is MTH(D[start:end]) of a leaf span, and every such span starts on a
 * multiple of a power of two at least its length, so it is a run of perfect subtrees of falling
 * size. Working out the spans is pure arithmetic; hashing them reads only the leaves (or stored
 * subtree hashes) the proof needs, in ranges — which is what a repo over the database can serve.
 */
import type { Buffer } from 'node:buffer';

import { HASH_SIZE, createAppender, foldFrontier, splitPoint } from './merkle.js';

/** Half-open leaf range [start, end) whose Merkle tree hash is one proof element. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** Where a proof's leaf hashes come from; a repo implements this over its leaf table. */
export interface LeafHashSource {
  /** Leaf hashes of leaves [start, end), in order; called with at most `chunk` leaves. */
  getLeafHashes(start: number, end: number): Promise<readonly Buffer[]>;
  /**
   * Optional store of perfect-subtree hashes (see the appender's NodeListener): the node at
   * `level` and `index` covers leaves [index·2^level, (index+1)·2^level). Return undefined when it
   * is not stored; the leaves are then read instead.
   */
  getNodeHash?(level: number, index: number): Promise<Buffer | undefined>;
}

export interface ProofOptions {
  /** Most leaf hashes asked of the source at once (default 65,536: 2 MiB of hashes). */
  readonly chunk?: number;
}

const DEFAULT_CHUNK = 65_536;

/** Spans of the inclusion proof for leaf `index` in a tree of `size`, bottom-up (RFC order). */
export function inclusionSpans(index: number, size: number): Span[] {
  assertSize(size);
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) throw new RangeError(`leaf index ${index} is outside a tree of size ${size}`);
  const spans: Span[] = [];
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < start + k) {
      spans.push({ start: start + k, end });
      end = start + k;
    } else {
      spans.push({ start, end: start + k });
      start += k;
    }
  }
  return spans.reverse();
}

/** Spans of the consistency proof from `oldSize` to `newSize` (RFC 6962 SUBPROOF), bottom-up. */
export function consistencySpans(oldSize: number, newSize: number): Span[] {
  assertSize(oldSize);
  assertSize(newSize);
  if (oldSize > newSize) throw new RangeError(`old size ${oldSize} is larger than new size ${newSize}`);
  if (oldSize === 0 || oldSize === newSize) return [];
  const spans: Span[] = [];
  let start = 0;
  let end = newSize;
  let oldIsWholeSubtree = true; // SUBPROOF's b: the old tree is exactly D[start:oldSize]
  while (oldSize !== end) {
    const k = splitPoint(end - start);
    if (oldSize - start <= k) {
      spans.push({ start: start + k, end });
      end = start + k;
    } else {
      spans.push({ start, end: start + k });
      start += k;
      oldIsWholeSubtree = false;
    }
  }
  if (!oldIsWholeSubtree) spans.push({ start, end });
  return spans.reverse();
}

/** Perfect subtrees (level, index) that make up a proof span, left (largest) to right. */
export function spanNodes(span: Span): { level: number; index: number }[] {
  const nodes: { level: number; index: number }[] = [];
  let start = span.start;
  let level = 0;
  while (2 ** (level + 1) <= span.end - span.start) level++;
  for (; level >= 0; level--) {
    const width = 2 ** level;
    if (start + width <= span.end) {
      if (start % width !== 0) throw new RangeError(`span [${span.start}, ${span.end}) is not a proof span`);
      nodes.push({ level, index: start / width });
      start += width;
    }
  }
  return nodes;
}

/** Inclusion proof from an in-memory array of leaf hashes (the tree is its first `size` leaves). */
export function inclusionProofFromHashes(leafHashes: readonly Buffer[], index: number, size = leafHashes.length): Buffer[] {
  assertWithin(size, leafHashes.length);
  return inclusionSpans(index, size).map((span) => spanHashFromArray(leafHashes, span));
}

export function consistencyProofFromHashes(leafHashes: readonly Buffer[], oldSize: number, newSize = leafHashes.length): Buffer[] {
  assertWithin(newSize, leafHashes.length);
  return consistencySpans(oldSize, newSize).map((span) => spanHashFromArray(leafHashes, span));
}

/** Inclusion proof read from a source; the caller vouches that the source holds `size` leaves. */
export async function inclusionProof(source: LeafHashSource, index: number, size: number, options: ProofOptions = {}): Promise<Buffer[]> {
  return hashSpans(source, inclusionSpans(index, size), options.chunk ?? DEFAULT_CHUNK);
}

export async function consistencyProof(source: LeafHashSource, oldSize: number, newSize: number, options: ProofOptions = {}): Promise<Buffer[]> {
  return hashSpans(source, consistencySpans(oldSize, newSize), options.chunk ?? DEFAULT_CHUNK);
}

/** MTH of the perfect subtree at (level, index), from a stored node or from its leaves. */
export async function subtreeHash(source: LeafHashSource, level: number, index: number, options: ProofOptions = {}): Promise<Buffer> {
  return nodeHash(source, level, index, options.chunk ?? DEFAULT_CHUNK);
}

/** A LeafHashSource over an array, for tests and for tools that already hold every leaf. */
export function arraySource(leafHashes: readonly Buffer[]): LeafHashSource {
  return { getLeafHashes: async (start, end) => leafHashes.slice(start, end) };
}

function spanHashFromArray(leafHashes: readonly Buffer[], span: Span): Buffer {
  return foldFrontier(spanNodes(span).map(({ level, index }) => perfectRoot(leafHashes, index * 2 ** level, 2 ** level)));
}

/** Root of the perfect subtree over leafHashes[start, start + width), width a power of two. */
function perfectRoot(leafHashes: readonly Buffer[], start: number, width: number): Buffer {
  return createAppender().append(leafHashes.slice(start, start + width));
}

async function hashSpans(source: LeafHashSource, spans: readonly Span[], chunk: number): Promise<Buffer[]> {
  if (!Number.isSafeInteger(chunk) || chunk < 1) throw new RangeError('chunk must be a positive integer');
  const proof: Buffer[] = [];
  for (const span of spans) {
    const nodes: Buffer[] = [];
    for (const { level, index } of spanNodes(span)) nodes.push(await nodeHash(source, level, index, chunk));
    proof.push(foldFrontier(nodes));
  }
  return proof;
}

async function nodeHash(source: LeafHashSource, level: number, index: number, chunk: number): Promise<Buffer> {
  if (level > 0 && source.getNodeHash !== undefined) {
    const stored = await source.getNodeHash(level, index);
    if (stored !== undefined) return checkedHash(stored, `stored node ${level}/${index}`);
  }
  const start = index * 2 ** level;
  const end = start + 2 ** level;
  // A perfect subtree is the root of its own leaves appended in order, so chunks stream through
  // an appender and memory stays at one chunk whatever the subtree's size.
  const appender = createAppender();
  for (let from = start; from < end; from += chunk) {
    const to = Math.min(end, from + chunk);
    const hashes = await source.getLeafHashes(from, to);
    if (hashes.length !== to - from) throw new Error(`leaf source returned ${hashes.length} hashes for [${from}, ${to})`);
    appender.append(hashes);
  }
  return appender.root();
}

function checkedHash(hash: Buffer, what: string): Buffer {
  if (hash.length !== HASH_SIZE) throw new Error(`${what} is ${hash.length} bytes, not ${HASH_SIZE}`);
  return hash;
}

function assertSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`tree size ${size} is not a safe non-negative integer`);
}

function assertWithin(size: number, available: number): void {
  if (size > available) throw new RangeError(`tree size ${size} exceeds the ${available} leaf hashes given`);
}
