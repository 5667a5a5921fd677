import { type Buckets, type Plan, createBuckets, decide, lifetimeMs, plansFor, toResult } from './sliding-window.js';
import type { RateLimitResult, RateLimitStore, WindowPolicy } from './types.js';

export interface MemoryStoreOptions {
  /** Clock (epoch ms); tests pass a fake one. */
  now?: () => number;
  /**
   * Most keys kept; past it the least recently counted key is dropped (and its counts forgotten,
   * which admits more, never fewer). Size it above the number of keys active in a day.
   */
  maxKeys?: number;
}

export interface MemoryStore extends RateLimitStore {
  /** The same decision, synchronously (the failover wrapper's fallback path). */
  checkNow(key: string, policies: readonly WindowPolicy[]): RateLimitResult;
  /** Keys currently held. */
  size(): number;
}

interface Entry {
  readonly windows: Map<string, Buckets>;
  /** After this instant none of the key's buckets can count any more. */
  expiresAt: number;
}

/** One process's counts, same algorithm and answers as the Redis store. */
export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const now = options.now ?? Date.now;
  const maxKeys = options.maxKeys ?? 100_000;
  // Map order is write order: a key moves to the end when a request is counted, so the front holds
  // the least recently counted keys, the first to expire or to be evicted.
  const entries = new Map<string, Entry>();

  const sweep = (t: number) => {
    // A few per call keeps every check O(1) amortised; keys with long windows at the front can hold
    // back expired ones behind them, which maxKeys still bounds.
    for (let i = 0; i < 4; i++) {
      const first = entries.entries().next();
      if (first.done || first.value[1].expiresAt > t) return;
      entries.delete(first.value[0]);
    }
  };

  const checkNow = (key: string, policies: readonly WindowPolicy[]): RateLimitResult => {
    const t = now();
    sweep(t);
    const plans = plansFor(policies);
    // Each window counts under its scope (default: the check's key); decide() sees them together.
    // A check touches one to three owners, so a short list beats a Map here.
    const owners: string[] = [];
    const touched: Entry[] = [];
    const state: Buckets[] = new Array<Buckets>(plans.length);
    for (let w = 0; w < plans.length; w++) {
      const p = plans[w] as Plan;
      const owner = p.scope ?? key;
      let at = owners.indexOf(owner);
      if (at === -1) {
        at = owners.push(owner) - 1;
        touched.push(entries.get(owner) ?? { windows: new Map<string, Buckets>(), expiresAt: 0 });
      }
      const entry = touched[at] as Entry;
      let buckets = entry.windows.get(p.id);
      if (!buckets) {
        buckets = createBuckets();
        entry.windows.set(p.id, buckets);
      }
      state[w] = buckets;
    }
    const { allowed, tallies } = decide(state, plans, t);
    if (allowed) {
      for (let w = 0; w < plans.length; w++) {
        const p = plans[w] as Plan;
        const entry = touched[owners.indexOf(p.scope ?? key)] as Entry;
        entry.expiresAt = Math.max(entry.expiresAt, t + lifetimeMs(p));
      }
      for (let i = 0; i < owners.length; i++) {
        entries.delete(owners[i] as string);
        entries.set(owners[i] as string, touched[i] as Entry);
      }
      while (entries.size > maxKeys) entries.delete(entries.keys().next().value as string);
    }
    return toResult(plans, t, allowed, tallies, 'memory');
  };

  return {
    checkNow,
    check: async (key, policies) => checkNow(key, policies),
    size: () => entries.size,
  };
}
