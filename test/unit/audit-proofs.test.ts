// Inclusion and consistency proofs: the transparency-dev vectors (generation and verification,
// with their corrupted-proof probes), an exhaustive comparison with RFC 6962's recursive PATH and
// SUBPROOF for small trees, properties for random trees, and sizes near 2^53.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAppender, emptyRoot, hashChildren, hashLeaf, splitPoint } from '../../src/modules/audit/merkle.js';
import { verifyConsistency, verifyInclusion } from '../../src/modules/audit/proof-verify.js';
import {
  arraySource,
  consistencyProof,
  consistencyProofFromHashes,
  inclusionProof,
  inclusionProofFromHashes,
} from '../../src/modules/audit/proofs.js';
import type { LeafHashSource } from '../../src/modules/audit/proofs.js';

interface Vectors {
  leaves: string[];
  roots: string[];
  inclusionProofs: { index: number; size: number; proof: string[] }[];
  consistencyProofs: { size1: number; size2: number; proof: string[] }[];
  consistencyEdgeCases: { desc: string; size1: number; size2: number; root1: string; root2: string; proof: string[]; valid: boolean }[];
  someHash: string;
}

const vectors = JSON.parse(readFileSync(new URL('./fixtures/rfc6962-vectors.json', import.meta.url), 'utf8')) as Vectors;
const hex = (text: string): Buffer => Buffer.from(text, 'hex');
const hexList = (items: readonly Buffer[]): string[] => items.map((b) => b.toString('hex'));
const leaves = vectors.leaves.map((data) => hashLeaf(hex(data)));
const rootOf = (size: number): Buffer => hex(vectors.roots[size - 1] as string);
const SOME_HASH = hex(vectors.someHash);

function flipBit(bytes: Uint8Array, bit: number): Buffer {
  const copy = Buffer.from(bytes);
  const at = Math.floor(bit / 8) % copy.length;
  copy.writeUInt8((copy.readUInt8(at) ^ (1 << bit % 8)) & 0xff, at);
  return copy;
}

function syntheticLeaves(n: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => hashLeaf(Buffer.from(`event ${i}`)));
}

// RFC 6962 §2.1 / §2.1.1 / §2.1.2, transcribed literally as the reference.
function mth(d: readonly Buffer[]): Buffer {
  if (d.length === 0) return emptyRoot();
  if (d.length === 1) return d[0] as Buffer;
  const k = splitPoint(d.length);
  return hashChildren(mth(d.slice(0, k)), mth(d.slice(k)));
}
function path(m: number, d: readonly Buffer[]): Buffer[] {
  if (d.length <= 1) return [];
  const k = splitPoint(d.length);
  return m < k ? [...path(m, d.slice(0, k)), mth(d.slice(k))] : [...path(m - k, d.slice(k)), mth(d.slice(0, k))];
}
function subproof(m: number, d: readonly Buffer[], b: boolean): Buffer[] {
  if (m === d.length) return b ? [] : [mth(d)];
  const k = splitPoint(d.length);
  return m <= k ? [...subproof(m, d.slice(0, k), b), mth(d.slice(k))] : [...subproof(m - k, d.slice(k), false), mth(d.slice(0, k))];
}

describe('published inclusion proofs (transparency-dev proof/verify_test.go)', () => {
  describe.each(vectors.inclusionProofs)('leaf $index of $size', ({ index, size, proof }) => {
    const expected = proof.map(hex);
    const base = { index, size, leafHash: leaves[index] as Buffer, proof: expected, root: rootOf(size) };

    it('is generated from an array and from a leaf source', async () => {
      expect(hexList(inclusionProofFromHashes(leaves, index, size))).toEqual(proof);
      expect(hexList(await inclusionProof(arraySource(leaves), index, size))).toEqual(proof);
    });

    it('verifies', () => {
      expect(verifyInclusion(base)).toEqual({ ok: true });
    });

    // The probes of verify_test.go's corruptInclusionProof.
    const probes: [string, Partial<typeof base>][] = [
      ['index - 1', { index: index - 1 }],
      ['index + 1', { index: index + 1 }],
      ['index ^ 2', { index: index ^ 2 }],
      ['size * 2', { size: size * 2 }],
      ['size / 2', { size: Math.floor(size / 2) }],
      ['wrong leaf', { leafHash: Buffer.from('WrongLeaf') }],
      ['empty-tree root', { root: emptyRoot() }],
      ['random root', { root: SOME_HASH }],
      ['trailing garbage', { proof: [...expected, Buffer.alloc(0)] }],
      ['trailing root', { proof: [...expected, rootOf(size)] }],
      ['preceding garbage', { proof: [Buffer.alloc(0), ...expected] }],
      ['preceding root', { proof: [rootOf(size), ...expected] }],
      ...expected.map((_, i): [string, Partial<typeof base>] => [`proof[${i}] bit 3 flipped`, { proof: expected.map((p, j) => (j === i ? flipBit(p, 3) : p)) }]),
      ...(expected.length > 0 ? [['removed component', { proof: expected.slice(0, -1) }] as [string, Partial<typeof base>]] : []),
      ...(expected.length > 1 ? [['inserted component', { proof: [expected[0] as Buffer, SOME_HASH, ...expected.slice(1)] }] as [string, Partial<typeof base>]] : []),
    ];
    it.each(probes)('rejects %s', (_name, change) => {
      expect(verifyInclusion({ ...base, ...change }).ok).toBe(false);
    });
  });

  it.each([[0, 0], [0, 1], [1, 0], [2, 1]])('rejects index %i in size %i with an empty proof and mismatched hashes', (index, size) => {
    for (const [leafHash, root] of [[SOME_HASH, Buffer.alloc(0)], [Buffer.alloc(0), emptyRoot()], [SOME_HASH, emptyRoot()]] as const) {
      expect(verifyInclusion({ index, size, leafHash, proof: [], root }).ok).toBe(false);
    }
  });

  it('accepts a one-leaf tree only with its own leaf as root', () => {
    const leaf = hashLeaf(Buffer.from('data'));
    expect(verifyInclusion({ index: 0, size: 1, leafHash: leaf, proof: [], root: leaf }).ok).toBe(true);
    expect(verifyInclusion({ index: 0, size: 1, leafHash: Buffer.alloc(0), proof: [], root: leaf }).ok).toBe(false);
    expect(verifyInclusion({ index: 0, size: 1, leafHash: leaf, proof: [], root: Buffer.alloc(0) }).ok).toBe(false);
  });
});

describe('published consistency proofs (transparency-dev proof/verify_test.go)', () => {
  describe.each(vectors.consistencyProofs)('$size1 → $size2', ({ size1, size2, proof }) => {
    const expected = proof.map(hex);
    const base = { oldSize: size1, newSize: size2, oldRoot: rootOf(size1), newRoot: rootOf(size2), proof: expected };

    it('is generated from an array and from a leaf source', async () => {
      expect(hexList(consistencyProofFromHashes(leaves, size1, size2))).toEqual(proof);
      expect(hexList(await consistencyProof(arraySource(leaves), size1, size2))).toEqual(proof);
    });

    it('verifies', () => {
      expect(verifyConsistency(base)).toEqual({ ok: true });
    });

    if (expected.length === 0) return; // verify_test.go probes only non-trivial proofs
    const probes: [string, Partial<typeof base>][] = [
      ['size1 - 1', { oldSize: size1 - 1 }],
      ['size1 + 1', { oldSize: size1 + 1 }],
      ['size1 ^ 2', { oldSize: size1 ^ 2 }],
      ['size2 * 2', { newSize: size2 * 2 }],
      ['size2 / 2', { newSize: Math.floor(size2 / 2) }],
      ['wrong root1', { oldRoot: Buffer.from('WrongRoot') }],
      ['wrong root2', { newRoot: Buffer.from('WrongRoot') }],
      ['swapped roots', { oldRoot: rootOf(size2), newRoot: rootOf(size1) }],
      ['empty proof', { proof: [] }],
      ['trailing garbage', { proof: [...expected, Buffer.alloc(0)] }],
      ['trailing root1', { proof: [...expected, rootOf(size1)] }],
      ['trailing root2', { proof: [...expected, rootOf(size2)] }],
      ['preceding garbage', { proof: [Buffer.alloc(0), ...expected] }],
      ['preceding root1', { proof: [rootOf(size1), ...expected] }],
      ['preceding root2', { proof: [rootOf(size2), ...expected] }],
      ['preceding proof[0]', { proof: [expected[0] as Buffer, ...expected] }],
      ['truncated proof', { proof: expected.slice(0, -1) }],
      ...expected.map((_, i): [string, Partial<typeof base>] => [`proof[${i}] bit 4 flipped`, { proof: expected.map((p, j) => (j === i ? flipBit(p, 4) : p)) }]),
    ];
    it.each(probes)('rejects %s', (_name, change) => {
      expect(verifyConsistency({ ...base, ...change }).ok).toBe(false);
    });
  });

  it.each(vectors.consistencyEdgeCases)('edge case: $desc → valid=$valid', ({ size1, size2, root1, root2, proof, valid }) => {
    expect(verifyConsistency({ oldSize: size1, newSize: size2, oldRoot: hex(root1), newRoot: hex(root2), proof: proof.map(hex) }).ok).toBe(valid);
  });
});

describe('agreement with the recursive RFC 6962 definitions', () => {
  const tree = syntheticLeaves(40);
  it('every inclusion proof in every tree up to 40 leaves', () => {
    for (let n = 1; n <= tree.length; n++) {
      const d = tree.slice(0, n);
      for (let m = 0; m < n; m++) expect(hexList(inclusionProofFromHashes(d, m))).toEqual(hexList(path(m, d)));
    }
  });

  it('every consistency proof between trees up to 40 leaves', () => {
    for (let n = 1; n <= tree.length; n++) {
      const d = tree.slice(0, n);
      for (let m = 1; m < n; m++) expect(hexList(consistencyProofFromHashes(d, m))).toEqual(hexList(subproof(m, d, true)));
    }
  });
});

const treeAndIndex = fc.integer({ min: 1, max: 600 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 })));
const treeAndOldSize = fc.integer({ min: 0, max: 600 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n })));

describe('properties', () => {
  const pool = syntheticLeaves(600);
  const roots = (() => {
    const appender = createAppender();
    return [emptyRoot(), ...pool.map((leaf) => appender.append([leaf]))];
  })();

  it('any i < n: the inclusion proof verifies, and a flipped bit in any element or in the root fails', () => {
    fc.assert(
      fc.property(treeAndIndex, fc.nat(), ([n, i], bit) => {
        const proof = inclusionProofFromHashes(pool, i, n);
        const claim = { index: i, size: n, leafHash: pool[i] as Buffer, proof, root: roots[n] as Buffer };
        expect(verifyInclusion(claim).ok).toBe(true);
        expect(verifyInclusion({ ...claim, root: flipBit(claim.root, bit % 256) }).ok).toBe(false);
        expect(verifyInclusion({ ...claim, leafHash: flipBit(claim.leafHash, bit % 256) }).ok).toBe(false);
        proof.forEach((_, j) => {
          expect(verifyInclusion({ ...claim, proof: proof.map((p, k) => (k === j ? flipBit(p, bit % 256) : p)) }).ok).toBe(false);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('any m ≤ n: the consistency proof verifies, and a flipped bit in any element or root fails', () => {
    fc.assert(
      fc.property(treeAndOldSize, fc.nat(), ([n, m], bit) => {
        const proof = consistencyProofFromHashes(pool, m, n);
        const claim = { oldSize: m, newSize: n, oldRoot: roots[m] as Buffer, newRoot: roots[n] as Buffer, proof };
        expect(verifyConsistency(claim).ok).toBe(true);
        if (m === 0) return; // the empty tree is a prefix of everything: no root is checked
        expect(verifyConsistency({ ...claim, oldRoot: flipBit(claim.oldRoot, bit % 256) }).ok).toBe(false);
        expect(verifyConsistency({ ...claim, newRoot: flipBit(claim.newRoot, bit % 256) }).ok).toBe(false);
        proof.forEach((_, j) => {
          expect(verifyConsistency({ ...claim, proof: proof.map((p, k) => (k === j ? flipBit(p, bit % 256) : p)) }).ok).toBe(false);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('a leaf source in small chunks gives the same proofs as the array', async () => {
    await fc.assert(
      fc.asyncProperty(treeAndOldSize, fc.integer({ min: 1, max: 9 }), async ([n, m], chunk) => {
        const source = arraySource(pool.slice(0, n));
        expect(hexList(await consistencyProof(source, m, n, { chunk }))).toEqual(hexList(consistencyProofFromHashes(pool, m, n)));
        if (m < n) expect(hexList(await inclusionProof(source, m, n, { chunk }))).toEqual(hexList(inclusionProofFromHashes(pool, m, n)));
      }),
      { numRuns: 100 },
    );
  });
});

describe('leaf sources with stored subtree hashes', () => {
  it('reads stored nodes instead of leaves, and only the leaves no stored node covers', async () => {
    const leavesOfTree = syntheticLeaves(1000);
    const stored = new Map<string, Buffer>();
    const onNode = (level: number, index: number, hash: Buffer): void => {
      if (level >= 4) stored.set(`${level}/${index}`, hash);
    };
    createAppender({ onNode }).append(leavesOfTree);
    let leavesRead = 0;
    const source: LeafHashSource = {
      getLeafHashes: async (start, end) => {
        leavesRead += end - start;
        return leavesOfTree.slice(start, end);
      },
      getNodeHash: async (level, index) => stored.get(`${level}/${index}`),
    };
    expect(hexList(await inclusionProof(source, 517, 1000))).toEqual(hexList(inclusionProofFromHashes(leavesOfTree, 517)));
    expect(hexList(await consistencyProof(source, 333, 1000))).toEqual(hexList(consistencyProofFromHashes(leavesOfTree, 333)));
    // Without stored nodes the proofs read nearly every leaf; with nodes from level 4 up, only
    // subtrees narrower than 16 leaves are read: under 2 × 15 per proof.
    expect(leavesRead).toBeLessThan(60);
  });

  it('refuses a source that returns the wrong number of leaf hashes', async () => {
    const short: LeafHashSource = { getLeafHashes: async (start, end) => syntheticLeaves(end - start - 1) };
    await expect(inclusionProof(short, 0, 8)).rejects.toThrow('leaf source returned 0 hashes for [1, 2)');
  });

  it('refuses out-of-range requests as caller errors', async () => {
    expect(() => inclusionProofFromHashes(syntheticLeaves(4), 4)).toThrow(RangeError);
    expect(() => inclusionProofFromHashes(syntheticLeaves(4), 0, 5)).toThrow(RangeError);
    expect(() => consistencyProofFromHashes(syntheticLeaves(4), 5, 4)).toThrow(RangeError);
    await expect(inclusionProof(arraySource([]), 0, 0)).rejects.toThrow(RangeError);
  });
});

describe('sizes near 2^53', () => {
  // A tree whose leaves are all the same hash: a subtree's hash depends only on its width, so
  // trees of any size can be hashed in O(log n) and the proofs' arithmetic checked at full range.
  const leaf = hashLeaf(Buffer.from('same'));
  const perfect = [leaf];
  for (let level = 1; level <= 53; level++) perfect.push(hashChildren(perfect[level - 1] as Buffer, perfect[level - 1] as Buffer));
  const widthRoots = new Map<number, Buffer>();
  function rootOfWidth(n: number): Buffer {
    if (n === 1) return leaf;
    const cached = widthRoots.get(n);
    if (cached) return cached;
    const k = splitPoint(n);
    const root = hashChildren(rootOfWidth(k), rootOfWidth(n - k));
    widthRoots.set(n, root);
    return root;
  }
  const source: LeafHashSource = {
    getLeafHashes: async (start, end) => Array.from({ length: end - start }, () => leaf),
    getNodeHash: async (level) => perfect[level],
  };
  const bigSize = fc.integer({ min: 2 ** 40, max: Number.MAX_SAFE_INTEGER });

  it('inclusion proofs verify', async () => {
    await fc.assert(
      fc.asyncProperty(bigSize.chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }))), async ([n, i]) => {
        const proof = await inclusionProof(source, i, n);
        expect(verifyInclusion({ index: i, size: n, leafHash: leaf, proof, root: rootOfWidth(n) })).toEqual({ ok: true });
        expect(verifyInclusion({ index: i, size: n, leafHash: leaf, proof, root: rootOfWidth(n - 1) }).ok).toBe(false);
        const flipped = proof.map((p, k) => (k === proof.length - 1 ? flipBit(p, 0) : p));
        expect(verifyInclusion({ index: i, size: n, leafHash: leaf, proof: flipped, root: rootOfWidth(n) }).ok).toBe(false);
      }),
      { numRuns: 50 },
    );
  });

  it('consistency proofs verify', async () => {
    await fc.assert(
      fc.asyncProperty(bigSize.chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 1, max: n }))), async ([n, m]) => {
        const proof = await consistencyProof(source, m, n);
        expect(verifyConsistency({ oldSize: m, newSize: n, oldRoot: rootOfWidth(m), newRoot: rootOfWidth(n), proof })).toEqual({ ok: true });
      }),
      { numRuns: 50 },
    );
  });
});
