// RFC 6962 hashing and the compact-range appender, against the transparency-dev vectors and a
// naive recursive MTH written straight from RFC 6962 §2.1.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createAppender,
  emptyRoot,
  frontierLength,
  hashChildren,
  hashLeaf,
  rootFromLeafHashes,
  splitPoint,
} from '../../src/modules/audit/merkle.js';

interface Vectors {
  hasher: {
    emptyRoot: string;
    emptyLeaf: { data: string; hash: string };
    leaf: { data: string; hash: string };
    node: { left: string; right: string; hash: string };
  };
  leaves: string[];
  roots: string[];
}

const vectors = JSON.parse(readFileSync(new URL('./fixtures/rfc6962-vectors.json', import.meta.url), 'utf8')) as Vectors;
const hex = (text: string): Buffer => Buffer.from(text, 'hex');
const leafHashes = vectors.leaves.map((data) => hashLeaf(hex(data)));

/** MTH(D[n]) exactly as RFC 6962 §2.1 defines it, recursion and all. */
function referenceRoot(hashes: readonly Buffer[]): Buffer {
  if (hashes.length === 0) return emptyRoot();
  if (hashes.length === 1) return hashes[0] as Buffer;
  const k = splitPoint(hashes.length);
  return hashChildren(referenceRoot(hashes.slice(0, k)), referenceRoot(hashes.slice(k)));
}

function syntheticLeaves(n: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => hashLeaf(Buffer.from(`event ${i}`)));
}

describe('RFC 6962 hasher (transparency-dev rfc6962_test.go)', () => {
  const { hasher } = vectors;
  it.each([
    ['empty tree', () => emptyRoot(), hasher.emptyRoot],
    ['empty leaf', () => hashLeaf(hex(hasher.emptyLeaf.data)), hasher.emptyLeaf.hash],
    ['leaf "L123456"', () => hashLeaf(hex(hasher.leaf.data)), hasher.leaf.hash],
    ['node ("N123", "N456")', () => hashChildren(hex(hasher.node.left), hex(hasher.node.right)), hasher.node.hash],
  ])('%s', (_name, compute, want) => {
    expect(compute().toString('hex')).toBe(want);
  });

  it('separates leaves from nodes and orders children', () => {
    const [a, b] = [hashLeaf(Buffer.from('Hello')), hashLeaf(Buffer.from('World'))];
    expect(a.equals(b)).toBe(false);
    expect(hashChildren(a, b).equals(hashLeaf(Buffer.concat([a, b])))).toBe(false);
    expect(hashChildren(a, b).equals(hashChildren(b, a))).toBe(false);
  });

  it('hashes large leaves (streamed, not copied to the scratch buffer) the same way', () => {
    const big = Buffer.alloc(200_000, 7);
    expect(hashLeaf(big).toString('hex')).toBe(createHash('sha256').update(Buffer.concat([Buffer.of(0), big])).digest('hex'));
    const small = Buffer.from('after a big one');
    expect(hashLeaf(small).toString('hex')).toBe(createHash('sha256').update(Buffer.concat([Buffer.of(0), small])).digest('hex'));
  });
});

describe('roots of the published trees (transparency-dev verify_test.go)', () => {
  it.each(vectors.roots.map((root, i) => [i + 1, root] as const))('size %i', (size, root) => {
    expect(rootFromLeafHashes(leafHashes.slice(0, size)).toString('hex')).toBe(root);
    expect(referenceRoot(leafHashes.slice(0, size)).toString('hex')).toBe(root);
  });

  it('an appender fed one leaf at a time passes through every published root', () => {
    const appender = createAppender();
    expect(appender.root().equals(emptyRoot())).toBe(true);
    leafHashes.forEach((leaf, i) => {
      expect(appender.append([leaf]).toString('hex')).toBe(vectors.roots[i]);
      expect(appender.size).toBe(i + 1);
    });
  });
});

describe('appender', () => {
  it('gives the RFC root for any split of the leaves into batches', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 12 }), (batchSizes) => {
        const leaves = syntheticLeaves(batchSizes.reduce((a, b) => a + b, 0));
        const appender = createAppender();
        let offset = 0;
        for (const n of batchSizes) {
          const root = appender.append(leaves.slice(offset, offset + n));
          offset += n;
          expect(root.equals(referenceRoot(leaves.slice(0, offset)))).toBe(true);
        }
        expect(appender.size).toBe(leaves.length);
      }),
      { numRuns: 100 },
    );
  });

  it('resumes from a persisted state as if it had never stopped', () => {
    const leaves = syntheticLeaves(77);
    const first = createAppender();
    first.append(leaves.slice(0, 45));
    const state = first.state();
    expect(state.frontier).toHaveLength(frontierLength(45));
    const resumed = createAppender({ state });
    expect(resumed.append(leaves.slice(45)).equals(referenceRoot(leaves))).toBe(true);
    state.frontier[0]?.fill(0); // the state is a copy: scribbling on it does not reach the appender
    expect(first.root().equals(referenceRoot(leaves.slice(0, 45)))).toBe(true);
  });

  it('does not keep a reference to the caller\'s leaf buffers', () => {
    const leaf = hashLeaf(Buffer.from('x'));
    const appender = createAppender();
    appender.append([leaf]);
    const before = appender.root();
    leaf.fill(1);
    expect(appender.root().equals(before)).toBe(true);
  });

  it('reports every perfect subtree it completes, with its level and index', () => {
    const leaves = syntheticLeaves(13);
    const seen: string[] = [];
    const onNode = (level: number, index: number, hash: Buffer): void => {
      const width = 2 ** level;
      expect(hash.equals(referenceRoot(leaves.slice(index * width, (index + 1) * width)))).toBe(true);
      seen.push(`${level}/${index}`);
    };
    createAppender({ onNode }).append(leaves);
    expect(seen).toEqual(['1/0', '1/1', '2/0', '1/2', '1/3', '2/1', '3/0', '1/4', '1/5', '2/2']);
  });

  it.each([
    ['negative size', { size: -1, frontier: [] }],
    ['fractional size', { size: 1.5, frontier: [] }],
    ['too few frontier hashes', { size: 3, frontier: [Buffer.alloc(32)] }],
    ['too many frontier hashes', { size: 4, frontier: [Buffer.alloc(32), Buffer.alloc(32)] }],
    ['short hash', { size: 1, frontier: [Buffer.alloc(31)] }],
  ])('refuses a corrupt state: %s', (_name, state) => {
    expect(() => createAppender({ state })).toThrow(RangeError);
  });

  it('refuses a leaf hash of the wrong length', () => {
    expect(() => createAppender().append([Buffer.alloc(33)])).toThrow(RangeError);
  });
});

describe('tree-size arithmetic', () => {
  it.each([
    [2, 1], [3, 2], [4, 2], [5, 4], [8, 4], [9, 8], [2 ** 52 + 1, 2 ** 52], [Number.MAX_SAFE_INTEGER, 2 ** 52],
  ])('splitPoint(%i) = %i', (n, k) => {
    expect(splitPoint(n)).toBe(k);
  });

  it.each([[0, 0], [1, 1], [6, 2], [7, 3], [2 ** 40, 1], [Number.MAX_SAFE_INTEGER, 53]])('frontierLength(%i) = %i', (n, count) => {
    expect(frontierLength(n)).toBe(count);
  });
});
