// The rate-limit arithmetic. The memory store runs `decide`; the Redis store's Lua script makes the
// same decisions with incremental bookkeeping (redis-script.ts); both answer through `toResult`.
//
// Algorithm: a bucketed sliding window. Each window of W ms is cut into buckets of
// b = ceil(W / buckets) ms; bucket i holds the requests admitted during [i·b, (i+1)·b). A request at
// time t, in bucket i = floor(t / b), counts buckets i-span … i with span = ceil(W / b): the whole
// last window plus the partly expired oldest bucket, counted in full. It is admitted when every
// window's count is below its limit, and then counted in every window (all or nothing).
//
// Guarantee: in ANY interval of length W (closed, so also half-open), at most `limit` requests are
// admitted. Proof: let t be the last admitted request of the interval; every other admitted request
// u of the interval has u ≥ t − W ≥ t − span·b, so floor(u / b) ≥ i − span: it was counted when t was
// decided, and t was admitted only because that count was below the limit.
// Price (the documented conservatism): a request stays counted for more than W and at most
// (span + 1)·b ms: W plus one bucket when `buckets` divides W (1 s for a minute window, 24 min for a
// day, with the default 60), under W plus two buckets otherwise. A client that spends its whole
// quota therefore waits up to that much longer than an exact sliding log would make it wait.
//
// Why buckets rather than a sorted set of timestamps (the exact sliding log): memory per key is
// bounded by (span + 1) counters per window whatever the limit, where a log holds one member per
// admitted request (100,000 per enterprise key per day). Why not the common "weighted previous
// window" approximation: it assumes uniform traffic in the previous window and over-admits bursts.
import type { RateLimitResult, ResultSource, WindowPolicy, WindowResult } from './types.js';

export const DEFAULT_BUCKETS = 60;

/** A policy with its bucket geometry worked out. */
export interface Plan {
  readonly name: string;
  readonly limit: number;
  readonly windowMs: number;
  readonly bucketMs: number;
  readonly span: number;
  readonly scope: string | undefined;
  /** Names the window's state under its owner key (`name:bucketMs`). */
  readonly id: string;
}

/**
 * Counts per bucket index of one window for one key. Indices are kept in ascending order (Map
 * order is insertion order, and time only moves on), so expiry prunes from the front and the
 * reset walks from the front, both without sorting; `total` is the sum of `counts`.
 */
export interface Buckets {
  readonly counts: Map<number, number>;
  total: number;
  /** The highest index counted so far. */
  last: number;
}

export function createBuckets(): Buckets {
  return { counts: new Map(), total: 0, last: -Infinity };
}

export interface Tally {
  /** Requests counted in the window after the decision. */
  readonly count: number;
  readonly resetMs: number;
}

export function plan(policy: WindowPolicy): Plan {
  const bucketMs = Math.max(1, Math.ceil(policy.windowMs / (policy.buckets ?? DEFAULT_BUCKETS)));
  return {
    name: policy.name,
    limit: policy.limit,
    windowMs: policy.windowMs,
    bucketMs,
    span: Math.ceil(policy.windowMs / bucketMs),
    scope: policy.scope,
    id: `${policy.name}:${bucketMs}`,
  };
}

/** How long a window's state can matter after its last write (the TTL of an idle key). */
export function lifetimeMs(p: Plan): number {
  return (p.span + 2) * p.bucketMs;
}

/** Drops the buckets before `oldest`, which can no longer count. */
function prune(b: Buckets, oldest: number): void {
  for (const [index, n] of b.counts) {
    if (index >= oldest) return;
    b.counts.delete(index);
    b.total -= n;
  }
}

function count(b: Buckets, index: number): void {
  const n = b.counts.get(index);
  if (n !== undefined) b.counts.set(index, n + 1);
  else if (index > b.last) {
    b.counts.set(index, 1);
    b.last = index;
  } else {
    // The clock stepped back: re-insert in order so the front is still the oldest bucket.
    const entries = [...b.counts, [index, 1] as [number, number]].sort((x, y) => x[0] - y[0]);
    b.counts.clear();
    for (const [i, c] of entries) b.counts.set(i, c);
  }
  b.total++;
}

/**
 * Decides one request at `now` and, when admitted, records it: mutates `state` (one Buckets per
 * plan), pruning buckets that can no longer count so that memory stays bounded.
 */
export function decide(state: readonly Buckets[], plans: readonly Plan[], now: number): { allowed: boolean; tallies: Tally[] } {
  const n = plans.length;
  let allowed = true;
  for (let w = 0; w < n; w++) {
    const p = plans[w] as Plan;
    const b = state[w] as Buckets;
    prune(b, Math.floor(now / p.bucketMs) - p.span);
    if (b.total >= p.limit) allowed = false;
  }
  const tallies: Tally[] = new Array<Tally>(n);
  for (let w = 0; w < n; w++) {
    const p = plans[w] as Plan;
    const b = state[w] as Buckets;
    if (allowed) count(b, Math.floor(now / p.bucketMs));
    tallies[w] = { count: b.total, resetMs: resetAt(b, p, b.total, now) };
  }
  return { allowed, tallies };
}

/**
 * When the window frees a slot: the oldest buckets leave one by one (bucket j stops counting at
 * (j + span + 1)·b) until the count is below the limit again, or, when it already is, until one
 * request has left.
 */
export function resetAt(buckets: Buckets, p: Plan, count: number, now: number): number {
  const need = Math.max(1, count - p.limit + 1);
  let freed = 0;
  let reset = now;
  for (const [index, n] of buckets.counts) {
    freed += n;
    reset = (index + p.span + 1) * p.bucketMs;
    if (freed >= need) break;
  }
  return reset;
}

/** The answer both stores give, from each window's tally. */
export function toResult(plans: readonly Plan[], now: number, allowed: boolean, tallies: readonly Tally[], source: ResultSource): RateLimitResult {
  const windows: WindowResult[] = new Array<WindowResult>(plans.length);
  let binding = 0;
  let retryAfterMs = 0;
  for (let w = 0; w < plans.length; w++) {
    const p = plans[w] as Plan;
    const t = tallies[w] as Tally;
    const win: WindowResult = { name: p.name, limit: p.limit, remaining: Math.max(0, p.limit - t.count), resetMs: t.resetMs };
    windows[w] = win;
    if (allowed) {
      if (win.remaining < (windows[binding] as WindowResult).remaining) binding = w;
    } else if (t.count >= win.limit && Math.max(1, win.resetMs - now) > retryAfterMs) {
      // A refusal is bound by the full window that frees last: all must admit at once.
      binding = w;
      retryAfterMs = Math.max(1, win.resetMs - now);
    }
  }
  const b = windows[binding] as WindowResult;
  return { allowed, unavailable: false, window: b.name, limit: b.limit, remaining: b.remaining, resetMs: b.resetMs, retryAfterMs, nowMs: now, source, windows };
}

const planCache = new WeakMap<readonly WindowPolicy[], readonly Plan[]>();

/** Plans for a policy list, computed once per list (lists are validated once and reused). */
export function plansFor(policies: readonly WindowPolicy[]): readonly Plan[] {
  let plans = planCache.get(policies);
  if (!plans) {
    plans = policies.map(plan);
    planCache.set(policies, plans);
  }
  return plans;
}
