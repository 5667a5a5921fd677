// What a rate-limit check does when Redis is slow or gone. Every Redis check gets a short deadline
// (50 ms by default): the first failure moves the limiter to its failure mode at once, and only a
// background PING, with exponential backoff, brings it back, so while Redis is down no request
// pays for it and Redis is not hammered when it returns.
//
// Accuracy across failures: a check that times out may still be counted by Redis later (strict
// side). Memory counts are per instance: during an outage `fallback` admits up to the full limit on
// each instance (development), `local` up to limit ÷ instances each, so about the limit in total.
// Redis never learns what memory admitted, so a window spanning the recovery can see up to that
// much on top of the limit Redis then enforces.
import { dividePolicies } from './schemas.js';
import { createMemoryStore, type MemoryStore } from './memory-store.js';
import type { FailureMode, LimiterState, Outcome, ProbedStore, RateLimitResult, ResultSource, WindowPolicy } from './types.js';

export interface LimiterObserver {
  decision?(outcome: Outcome, source: ResultSource): void;
  redisError?(kind: 'timeout' | 'error', error: unknown): void;
  stateChange?(state: LimiterState): void;
}

export interface FailoverOptions {
  redis: ProbedStore;
  /** `fallback` (development): memory at full limits; `closed`: unavailable (503); `local`: memory at limit ÷ expectedInstances. */
  mode: FailureMode;
  /** Deadline of each Redis call, checks and probes alike. */
  timeoutMs?: number;
  /** App instances sharing the limits (`local` mode). */
  expectedInstances?: number;
  memory?: MemoryStore;
  probe?: { initialMs?: number; maxMs?: number; /** 0–1: share of each delay drawn at random, so instances don't probe in step. */ jitter?: number };
  /** Retry-After of `closed` refusals. */
  unavailableRetryAfterMs?: number;
  /** Called synchronously on the request path: keep it cheap, and it must not throw. */
  observer?: LimiterObserver;
}

export interface LimiterStats {
  state: LimiterState;
  allowed: number;
  limited: number;
  unavailable: number;
  /** Failed Redis checks, timeouts included. */
  redisErrors: number;
  redisTimeouts: number;
  probeFailures: number;
}

export interface RateLimiter {
  check(key: string, policies: readonly WindowPolicy[]): Promise<RateLimitResult>;
  /**
   * The same decision, synchronously, when it is made in this process right now (no Redis, or
   * Redis is failed over); undefined when only `check` can decide. The request path tries it first
   * so that a local decision costs no promise.
   */
  decideNow(key: string, policies: readonly WindowPolicy[]): RateLimitResult | undefined;
  /** `fallback` whenever checks don't go to Redis, whatever the mode does instead. */
  state(): LimiterState;
  stats(): LimiterStats;
  /** Stops probing (app shutdown). */
  close(): void;
}

class RedisTimeout extends Error {
  constructor(ms: number) {
    super(`Redis did not answer within ${ms} ms`);
  }
}

// A plain timer rather than platform/resilience `withTimeout`: this runs on every request and the
// Redis call can't be aborted anyway, so an AbortController per call would buy nothing.
function deadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new RedisTimeout(ms)), ms);
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (err: unknown) => (clearTimeout(timer), reject(err)),
    );
  });
}

export function createRateLimiter(options: FailoverOptions): RateLimiter {
  const timeoutMs = options.timeoutMs ?? 50;
  const initialMs = options.probe?.initialMs ?? 250;
  const maxMs = options.probe?.maxMs ?? 10_000;
  const jitter = options.probe?.jitter ?? 0.2;
  const instances = options.expectedInstances ?? 1;
  if (options.mode === 'local' && !(Number.isInteger(instances) && instances >= 1)) throw new Error('local mode needs expectedInstances ≥ 1');
  const memory = options.memory ?? createMemoryStore();
  const observer = options.observer ?? {};
  const divided = new WeakMap<readonly WindowPolicy[], readonly WindowPolicy[]>();
  const counts = { allowed: 0, limited: 0, unavailable: 0, redisErrors: 0, redisTimeouts: 0, probeFailures: 0 };
  let state: LimiterState = 'redis';
  let attempt = 0;
  let probeTimer: NodeJS.Timeout | undefined;
  let closed = false;

  const setState = (next: LimiterState) => {
    if (state === next) return;
    state = next;
    observer.stateChange?.(next);
  };

  const scheduleProbe = () => {
    if (closed || probeTimer) return;
    const delay = Math.min(maxMs, initialMs * 2 ** attempt) * (1 - jitter * Math.random());
    attempt++;
    probeTimer = setTimeout(() => void probe(), delay);
    probeTimer.unref();
  };

  const probe = async () => {
    try {
      await deadline(options.redis.ping(), timeoutMs);
      probeTimer = undefined;
      // `attempt` is reset only by a successful check: a Redis that answers PING but times out on
      // checks (overloaded) keeps backing off instead of costing a request per short probe period.
      if (!closed) setState('redis');
    } catch {
      counts.probeFailures++;
      probeTimer = undefined;
      scheduleProbe();
    }
  };

  const degraded = (key: string, policies: readonly WindowPolicy[], now: number): RateLimitResult => {
    if (options.mode === 'fallback') return memory.checkNow(key, policies);
    if (options.mode === 'local') {
      let local = divided.get(policies);
      if (!local) divided.set(policies, (local = dividePolicies(policies, instances)));
      return memory.checkNow(key, local);
    }
    const retryAfterMs = options.unavailableRetryAfterMs ?? 5_000;
    return { allowed: false, unavailable: true, window: '', limit: 0, remaining: 0, resetMs: now + retryAfterMs, retryAfterMs, nowMs: now, source: 'none', windows: [] };
  };

  const record = (result: RateLimitResult): RateLimitResult => {
    const outcome: Outcome = result.unavailable ? 'unavailable' : result.allowed ? 'allowed' : 'limited';
    counts[outcome]++;
    observer.decision?.(outcome, result.source);
    return result;
  };

  return {
    async check(key, policies) {
      if (state === 'redis') {
        try {
          const result = await deadline(options.redis.check(key, policies), timeoutMs);
          attempt = 0;
          return record(result);
        } catch (err) {
          const kind = err instanceof RedisTimeout ? 'timeout' : 'error';
          counts.redisErrors++;
          if (kind === 'timeout') counts.redisTimeouts++;
          observer.redisError?.(kind, err);
          setState('fallback');
          scheduleProbe();
        }
      }
      return record(degraded(key, policies, Date.now()));
    },
    decideNow: (key, policies) => (state === 'redis' ? undefined : record(degraded(key, policies, Date.now()))),
    state: () => state,
    stats: () => ({ state, ...counts }),
    close() {
      closed = true;
      clearTimeout(probeTimer);
      probeTimer = undefined;
    },
  };
}
