/**
 * Proof verification, the RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) algorithms.
 * They recompute roots from the proof alone, so a verifier needs no leaves, only the hashes it was
 * given and the signed roots. Inputs are untrusted: every failure is a Verdict, never a throw.
 *
 * The RFC's right shifts are written as halvings so sizes up to 2^53 − 1 work.
 */
import { Buffer } from 'node:buffer';

import { HASH_SIZE, hashChildren } from './merkle.js';
import { PASS, fail, success } from './result.js';
import type { Result, Verdict } from './result.js';

export interface InclusionInput {
  readonly index: number;
  readonly size: number;
  readonly leafHash: Uint8Array;
  readonly proof: readonly Uint8Array[];
}

export interface ConsistencyInput {
  readonly oldSize: number;
  readonly newSize: number;
  readonly oldRoot: Uint8Array;
  readonly newRoot: Uint8Array;
  readonly proof: readonly Uint8Array[];
}

const isOdd = (n: number): boolean => n % 2 === 1;
const half = (n: number): number => Math.floor(n / 2);

/** The root that an inclusion proof implies for the leaf. */
export function rootFromInclusionProof(input: InclusionInput): Result<Buffer> {
  const { index, size, leafHash, proof } = input;
  if (!isCount(size) || !isCount(index)) return fail('index and size must be non-negative safe integers');
  if (index >= size) return fail(`leaf index ${index} is outside a tree of size ${size}`);
  if (leafHash.length !== HASH_SIZE) return fail(`leaf hash must be ${HASH_SIZE} bytes`);
  const badElement = proof.findIndex((p) => p.length !== HASH_SIZE);
  if (badElement >= 0) return fail(`proof[${badElement}] is not ${HASH_SIZE} bytes`);

  let fn = index;
  let sn = size - 1;
  let r: Uint8Array = leafHash;
  for (const p of proof) {
    if (sn === 0) return fail('inclusion proof is longer than the tree is deep');
    if (isOdd(fn) || fn === sn) {
      r = hashChildren(p, r);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return fail('inclusion proof is shorter than the tree is deep');
  return success(Buffer.from(r));
}

export function verifyInclusion(input: InclusionInput & { readonly root: Uint8Array }): Verdict {
  const computed = rootFromInclusionProof(input);
  if (!computed.ok) return computed;
  return same(computed.value, input.root) ? PASS : fail('inclusion proof does not lead to the root');
}

export function verifyConsistency(input: ConsistencyInput): Verdict {
  const { oldSize, newSize, oldRoot, newRoot, proof } = input;
  if (!isCount(oldSize) || !isCount(newSize)) return fail('sizes must be non-negative safe integers');
  if (oldSize > newSize) return fail(`old size ${oldSize} is larger than new size ${newSize}`);
  if (oldSize === newSize) {
    if (proof.length > 0) return fail('a proof between equal sizes must be empty');
    return same(oldRoot, newRoot) ? PASS : fail(`two different roots for the same size ${oldSize}`);
  }
  // The empty tree is a prefix of every tree (RFC 9162 defines no proof for it).
  if (oldSize === 0) return proof.length === 0 ? PASS : fail('a proof from the empty tree must be empty');
  if (proof.length === 0) return fail('consistency proof is empty');
  const badElement = proof.findIndex((p) => p.length !== HASH_SIZE);
  if (badElement >= 0) return fail(`proof[${badElement}] is not ${HASH_SIZE} bytes`);

  // When the old tree is a perfect subtree its root is the proof's implied first element.
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : proof;
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0] as Uint8Array;
  let sr = fr;
  for (const c of path.slice(1)) {
    if (sn === 0) return fail('consistency proof is longer than needed');
    if (isOdd(fn) || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return fail('consistency proof is shorter than needed');
  if (!same(fr, oldRoot)) return fail('consistency proof does not lead to the old root');
  if (!same(sr, newRoot)) return fail('consistency proof does not lead to the new root');
  return PASS;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

function isCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

function isPowerOfTwo(n: number): boolean {
  let v = n;
  while (v > 1 && v % 2 === 0) v /= 2;
  return v === 1;
}
