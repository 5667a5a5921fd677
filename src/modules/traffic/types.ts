// Public types of the rate limiter. Stores and the failover wrapper all answer with a
// RateLimitResult, so the HTTP hook renders headers the same way whatever decided.

/** One window of a limit, e.g. `{ name: 'minute', limit: 60, windowMs: 60_000 }`. */
export interface WindowPolicy {
  /** Policy name as advertised in `RateLimit-Policy`; also part of the storage key. */
  readonly name: string;
  readonly limit: number;
  readonly windowMs: number;
  /**
   * Sub-buckets per window (default 60). More buckets count closer to the exact window at the cost
   * of memory per key; the window is over-counted by at most one bucket (windowMs / buckets).
   */
  readonly buckets?: number;
  /**
   * The key this window counts under, when it is not the check's own key: one check can then
   * decide windows of several keys together (route limit per caller, tier per organization,
   * quota per organization) in one round trip, none counted unless all admit.
   */
  readonly scope?: string;
}

export interface WindowResult {
  readonly name: string;
  readonly limit: number;
  /** Requests this window still admits now (after counting this one when it was allowed). */
  readonly remaining: number;
  /** Epoch ms at which this window next frees a slot (when full: admits a request again). */
  readonly resetMs: number;
}

export type ResultSource = 'redis' | 'memory' | 'none';

export interface RateLimitResult {
  readonly allowed: boolean;
  /** True only in the `closed` failure mode while Redis is unreachable: answer 503, not 429. */
  readonly unavailable: boolean;
  /** The binding window (least remaining when allowed; the one that refused, otherwise). */
  readonly window: string;
  readonly limit: number;
  readonly remaining: number;
  readonly resetMs: number;
  /** 0 when allowed; else how long until every window admits a request again. */
  readonly retryAfterMs: number;
  /** Epoch ms on the clock that decided (Redis server time for the Redis store). */
  readonly nowMs: number;
  readonly source: ResultSource;
  readonly windows: readonly WindowResult[];
}

/** A place where counts live: Redis (shared) or this process's memory. */
export interface RateLimitStore {
  /** Counts one request for `key` in every window, only if every window admits it. */
  check(key: string, policies: readonly WindowPolicy[]): Promise<RateLimitResult>;
}

/** The Redis store: a store that can also be asked whether it answers again. */
export interface ProbedStore extends RateLimitStore {
  ping(): Promise<void>;
}

export type FailureMode = 'fallback' | 'closed' | 'local';
export type LimiterState = 'redis' | 'fallback';
export type Outcome = 'allowed' | 'limited' | 'unavailable';
