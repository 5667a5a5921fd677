// The rate-limit arithmetic through the memory store on a fake clock: the "never more than the
// limit in any window" guarantee as a property, a reference model of exactly what is admitted, and
// the answers (remaining, reset, retry, binding window) as tables.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/modules/traffic/memory-store.js';
import { plan } from '../../src/modules/traffic/sliding-window.js';
import type { WindowPolicy } from '../../src/modules/traffic/types.js';

function clocked() {
  let t = 0;
  const store = createMemoryStore({ now: () => t });
  return { store, at: (ms: number) => (t = ms) };
}

describe('bucket geometry', () => {
  it.each([
    { windowMs: 60_000, buckets: undefined, bucketMs: 1_000, span: 60 },
    { windowMs: 86_400_000, buckets: undefined, bucketMs: 1_440_000, span: 60 },
    { windowMs: 10_000, buckets: 60, bucketMs: 167, span: 60 },
    { windowMs: 1_000, buckets: 1, bucketMs: 1_000, span: 1 },
    { windowMs: 5, buckets: 10, bucketMs: 1, span: 5 },
  ])('$windowMs ms in $buckets buckets → $bucketMs ms × $span', ({ windowMs, buckets, bucketMs, span }) => {
    expect(plan({ name: 'w', limit: 1, windowMs, buckets })).toMatchObject({ bucketMs, span });
  });
});

const policyArb = fc.record({ limit: fc.integer({ min: 1, max: 8 }), windowMs: fc.integer({ min: 5, max: 300 }), buckets: fc.integer({ min: 1, max: 12 }) });
const scenarioArb = fc.record({
  windows: fc.array(policyArb, { minLength: 1, maxLength: 3 }),
  times: fc.array(fc.integer({ min: 0, max: 2_000 }), { minLength: 1, maxLength: 150 }).map((ts) => ts.sort((a, b) => a - b)),
});

function run(windows: { limit: number; windowMs: number; buckets: number }[], times: number[]) {
  const policies: WindowPolicy[] = windows.map((w, i) => ({ name: `w${i}`, ...w }));
  const { store, at } = clocked();
  const decisions = times.map((t) => (at(t), store.checkNow('k', policies).allowed));
  return { policies, admitted: times.filter((_, i) => decisions[i]), decisions };
}

describe('sliding-window guarantee (property)', () => {
  it('never admits more than the limit in any interval of length windowMs, edges included', () => {
    fc.assert(
      fc.property(scenarioArb, ({ windows, times }) => {
        const { policies, admitted } = run(windows, times);
        for (const p of policies) {
          for (const start of admitted) {
            const inside = admitted.filter((t) => t >= start && t <= start + p.windowMs).length;
            if (inside > p.limit) return false;
          }
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it('admits exactly when every window counted fewer than its limit over its buckets (no more conservative than one bucket)', () => {
    fc.assert(
      fc.property(scenarioArb, ({ windows, times }) => {
        const { policies, decisions } = run(windows, times);
        const admitted: number[] = [];
        return times.every((t, i) => {
          const expected = policies.every((policy) => {
            const { bucketMs, span } = plan(policy);
            const from = (Math.floor(t / bucketMs) - span) * bucketMs;
            return admitted.filter((u) => u >= from).length < policy.limit;
          });
          if (expected) admitted.push(t);
          return decisions[i] === expected;
        });
      }),
      { numRuns: 300 },
    );
  });
});

const minute: WindowPolicy = { name: 'minute', limit: 10, windowMs: 60_000 };

describe('answers', () => {
  it('lets through at most the limit when twice the limit straddles a fixed-window edge', () => {
    const { store, at } = clocked();
    let allowed = 0;
    for (let i = 0; i < 10; i++) allowed += (at(59_000 + i * 10), store.checkNow('k', [minute])).allowed ? 1 : 0;
    for (let i = 0; i < 10; i++) allowed += (at(60_000 + i * 10), store.checkNow('k', [minute])).allowed ? 1 : 0;
    expect(allowed).toBe(10);
    // Bucket 59 (59.000–59.999 s) leaves the count at (59 + 60 + 1) s: one bucket past the exact window.
    at(119_999);
    expect(store.checkNow('k', [minute]).allowed).toBe(false);
    at(120_000);
    expect(store.checkNow('k', [minute]).allowed).toBe(true);
  });

  it.each([
    { name: 'first request', times: [], at: 0, expected: { allowed: true, remaining: 9, resetMs: 61_000, retryAfterMs: 0 } },
    { name: 'oldest bucket frees the next slot', times: [1_500, 30_000], at: 40_000, expected: { allowed: true, remaining: 7, resetMs: 62_000, retryAfterMs: 0 } },
    { name: 'full: waits for the oldest bucket', times: [5_000, ...Array<number>(9).fill(30_000)], at: 45_000, expected: { allowed: false, remaining: 0, resetMs: 66_000, retryAfterMs: 21_000 } },
    { name: 'full within one bucket', times: Array<number>(10).fill(2_000), at: 2_500, expected: { allowed: false, remaining: 0, resetMs: 63_000, retryAfterMs: 60_500 } },
  ])('$name', ({ times, at: t, expected }) => {
    const { store, at } = clocked();
    for (const u of times) expect((at(u), store.checkNow('k', [minute])).allowed).toBe(true);
    at(t);
    expect(store.checkNow('k', [minute])).toMatchObject({ ...expected, window: 'minute', limit: 10, nowMs: t, source: 'memory', unavailable: false });
  });

  it('refuses when one window is full, names it, and counts the refused request in no window', () => {
    const { store, at } = clocked();
    const policies: WindowPolicy[] = [minute, { name: 'hour', limit: 3, windowMs: 3_600_000 }];
    at(1_000);
    expect(store.checkNow('k', policies)).toMatchObject({ allowed: true, window: 'hour', remaining: 2 });
    store.checkNow('k', policies);
    store.checkNow('k', policies);
    const refused = store.checkNow('k', policies);
    expect(refused).toMatchObject({ allowed: false, window: 'hour', limit: 3, remaining: 0, retryAfterMs: 3_660_000 - 1_000 });
    expect(refused.windows).toEqual([
      { name: 'minute', limit: 10, remaining: 7, resetMs: 62_000 },
      { name: 'hour', limit: 3, remaining: 0, resetMs: 3_660_000 },
    ]);
  });

  it('binds a refusal to the full window that frees last', () => {
    const { store, at } = clocked();
    const policies: WindowPolicy[] = [{ name: 'second', limit: 1, windowMs: 1_000 }, { name: 'minute', limit: 1, windowMs: 60_000 }];
    at(0);
    store.checkNow('k', policies);
    at(500);
    expect(store.checkNow('k', policies)).toMatchObject({ allowed: false, window: 'minute', retryAfterMs: 60_500 });
    at(1_500);
    expect(store.checkNow('k', policies)).toMatchObject({ allowed: false, window: 'minute', windows: [{ remaining: 1 }, { remaining: 0 }] });
  });

  it('keeps keys apart', () => {
    const { store } = clocked();
    const one: WindowPolicy = { name: 'minute', limit: 1, windowMs: 60_000 };
    expect(store.checkNow('a', [one]).allowed).toBe(true);
    expect(store.checkNow('b', [one]).allowed).toBe(true);
    expect(store.checkNow('a', [one]).allowed).toBe(false);
  });
});

describe('memory store bounds', () => {
  it('drops idle keys once their windows have passed', () => {
    const { store, at } = clocked();
    for (let i = 0; i < 20; i++) store.checkNow(`k${i}`, [minute]);
    expect(store.size()).toBe(20);
    at(62_001);
    for (let i = 0; i < 5; i++) store.checkNow('fresh', [minute]);
    // Each check sweeps a few expired keys from the front.
    expect(store.size()).toBe(1);
  });

  it('evicts the least recently counted key past maxKeys', () => {
    let t = 0;
    const store = createMemoryStore({ now: () => t, maxKeys: 3 });
    const one: WindowPolicy = { name: 'minute', limit: 1, windowMs: 60_000 };
    for (const key of ['a', 'b', 'c', 'd']) store.checkNow(key, [one]);
    t = 10;
    expect(store.size()).toBe(3);
    expect(store.checkNow('a', [one]).allowed).toBe(true);
    expect(store.checkNow('d', [one]).allowed).toBe(false);
  });

  it('counts a large daily limit across days with a slid window', () => {
    const { store, at } = clocked();
    const big: WindowPolicy = { name: 'day', limit: 100_000, windowMs: 86_400_000 };
    for (let t = 0; t < 3 * 86_400_000; t += 60_000) {
      at(t);
      store.checkNow('k', [big]);
    }
    // Admitted in the last 61 day-buckets (24 min each) of the 4,320, plus this one.
    expect(store.checkNow('k', [big])).toMatchObject({ allowed: true, remaining: 100_000 - 1_465 });
  });
});
