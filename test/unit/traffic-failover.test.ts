// The failure modes on a fake Redis store and fake timers: which store answers, when Redis is tried
// again, and what a hung Redis costs. The same modes against real Redis behind a TCP proxy are in
// test/services/traffic-failover.test.ts.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRateLimiter, type FailoverOptions, type LimiterObserver } from '../../src/modules/traffic/failover.js';
import { createMemoryStore } from '../../src/modules/traffic/memory-store.js';
import type { LimiterState, ProbedStore, WindowPolicy } from '../../src/modules/traffic/types.js';

type Behaviour = 'up' | 'down' | 'hang';

function fakeRedis() {
  const shared = createMemoryStore();
  const mode: { check: Behaviour; ping: Behaviour } = { check: 'up', ping: 'up' };
  const calls = { check: 0, ping: 0 };
  const answer = <T>(behaviour: Behaviour, value: () => T): Promise<T> =>
    behaviour === 'up' ? Promise.resolve(value()) : behaviour === 'down' ? Promise.reject(new Error('Connection is closed.')) : new Promise<T>(() => undefined);
  const store: ProbedStore = {
    check: (key, policies) => (calls.check++, answer(mode.check, () => ({ ...shared.checkNow(key, policies), source: 'redis' as const }))),
    ping: () => (calls.ping++, answer(mode.ping, () => undefined)),
  };
  return { store, calls, set: (b: Behaviour) => ((mode.check = b), (mode.ping = b)), mode };
}

const minute: WindowPolicy[] = [{ name: 'minute', limit: 10, windowMs: 60_000 }];

function limiter(redis: ProbedStore, options: Partial<FailoverOptions> = {}) {
  const states: LimiterState[] = [];
  const events: string[] = [];
  const observer: LimiterObserver = {
    stateChange: (s) => states.push(s),
    redisError: (kind) => events.push(kind),
    decision: (outcome, source) => events.push(`${outcome}:${source}`),
  };
  const rl = createRateLimiter({ redis, mode: 'fallback', probe: { initialMs: 100, maxMs: 400, jitter: 0 }, observer, ...options });
  return { rl, states, events };
}

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

describe('failover', () => {
  it('answers from Redis while it answers', async () => {
    const redis = fakeRedis();
    const { rl, events } = limiter(redis.store);
    await expect(rl.check('k', minute)).resolves.toMatchObject({ allowed: true, source: 'redis', remaining: 9 });
    expect(rl.stats()).toEqual({ state: 'redis', allowed: 1, limited: 0, unavailable: 0, redisErrors: 0, redisTimeouts: 0, probeFailures: 0 });
    expect(events).toEqual(['allowed:redis']);
  });

  it('fallback: a refused Redis moves checks to memory at once, probes with backoff, and returns when it answers', async () => {
    const redis = fakeRedis();
    const { rl, states, events } = limiter(redis.store);
    redis.set('down');
    await expect(rl.check('k', minute)).resolves.toMatchObject({ allowed: true, source: 'memory', limit: 10, remaining: 9 });
    await rl.check('k', minute);
    expect(redis.calls.check).toBe(1);
    expect(rl.state()).toBe('fallback');
    // Probes at 100, 300 (+200), 700 (+400), 1100 (+400, capped).
    const pingsAt = async (ms: number) => (await vi.advanceTimersByTimeAsync(ms), redis.calls.ping);
    expect([await pingsAt(99), await pingsAt(1), await pingsAt(199), await pingsAt(1), await pingsAt(400), await pingsAt(400)]).toEqual([0, 1, 1, 2, 3, 4]);
    redis.set('up');
    await vi.advanceTimersByTimeAsync(400);
    expect(rl.state()).toBe('redis');
    await expect(rl.check('k', minute)).resolves.toMatchObject({ source: 'redis' });
    expect(states).toEqual(['fallback', 'redis']);
    expect(events).toEqual(['error', 'allowed:memory', 'allowed:memory', 'allowed:redis']);
    expect(rl.stats()).toMatchObject({ redisErrors: 1, redisTimeouts: 0, probeFailures: 4 });
  });

  it('decides synchronously only while checks do not go to Redis, counting in the same memory as check()', async () => {
    const redis = fakeRedis();
    const { rl, events } = limiter(redis.store);
    expect(rl.decideNow('k', minute)).toBeUndefined();
    expect(redis.calls.check).toBe(0);
    redis.set('down');
    await rl.check('k', minute);
    const local = rl.decideNow('k', minute);
    expect(local).toMatchObject({ allowed: true, source: 'memory', remaining: 8 });
    expect(events).toEqual(['error', 'allowed:memory', 'allowed:memory']);
    for (let i = 0; i < 8; i++) rl.decideNow('k', minute);
    expect(rl.decideNow('k', minute)).toMatchObject({ allowed: false, source: 'memory', remaining: 0 });
    expect(redis.calls.check).toBe(1);
  });

  it('closed mode decides "unavailable" synchronously while Redis is down', async () => {
    const redis = fakeRedis();
    const { rl } = limiter(redis.store, { mode: 'closed', unavailableRetryAfterMs: 2_000 });
    redis.set('down');
    await rl.check('k', minute);
    expect(rl.decideNow('k', minute)).toMatchObject({ allowed: false, unavailable: true, retryAfterMs: 2_000, source: 'none' });
  });

  it('a hung Redis costs one deadline, then nothing', async () => {
    const redis = fakeRedis();
    const { rl } = limiter(redis.store, { timeoutMs: 50 });
    redis.set('hang');
    let settled = false;
    const first = rl.check('k', minute).finally(() => (settled = true));
    await vi.advanceTimersByTimeAsync(49);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await expect(first).resolves.toMatchObject({ allowed: true, source: 'memory' });
    // No timer needs to run for the next answer.
    await expect(rl.check('k', minute)).resolves.toMatchObject({ source: 'memory' });
    expect(rl.stats()).toMatchObject({ state: 'fallback', redisErrors: 1, redisTimeouts: 1 });
  });

  it('closed: refuses as unavailable while Redis is down', async () => {
    const redis = fakeRedis();
    const { rl, events } = limiter(redis.store, { mode: 'closed', unavailableRetryAfterMs: 3_000 });
    redis.set('down');
    const result = await rl.check('k', minute);
    expect(result).toEqual({ allowed: false, unavailable: true, window: '', limit: 0, remaining: 0, resetMs: result.nowMs + 3_000, retryAfterMs: 3_000, nowMs: result.nowMs, source: 'none', windows: [] });
    expect(events).toEqual(['error', 'unavailable:none']);
    expect(rl.stats()).toMatchObject({ unavailable: 1, allowed: 0 });
  });

  it('local: memory at limit ÷ expectedInstances, rounded down', async () => {
    const redis = fakeRedis();
    const { rl } = limiter(redis.store, { mode: 'local', expectedInstances: 4 });
    redis.set('down');
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await rl.check('k', minute));
    expect(results.map((r) => [r.allowed, r.limit, r.remaining])).toEqual([[true, 2, 1], [true, 2, 0], [false, 2, 0]]);
    expect(rl.stats()).toMatchObject({ allowed: 2, limited: 1 });
    expect(() => createRateLimiter({ redis: redis.store, mode: 'local', expectedInstances: 0 })).toThrow('expectedInstances');
  });

  it('a Redis that answers PING but times out on checks keeps backing off', async () => {
    const redis = fakeRedis();
    const { rl } = limiter(redis.store, { timeoutMs: 50 });
    redis.mode.check = 'hang';
    const deadlineOf = rl.check('k', minute);
    await vi.advanceTimersByTimeAsync(50);
    await deadlineOf;
    await vi.advanceTimersByTimeAsync(100);
    expect(rl.state()).toBe('redis');
    const again = rl.check('k', minute);
    await vi.advanceTimersByTimeAsync(50);
    await again;
    // Second episode: the probe waits 200 ms, not 100, because no check succeeded in between.
    await vi.advanceTimersByTimeAsync(199);
    expect([rl.state(), redis.calls.ping]).toEqual(['fallback', 1]);
    await vi.advanceTimersByTimeAsync(1);
    expect([rl.state(), redis.calls.ping]).toEqual(['redis', 2]);
  });

  it('close stops probing', async () => {
    const redis = fakeRedis();
    const { rl } = limiter(redis.store);
    redis.set('down');
    await rl.check('k', minute);
    rl.close();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(redis.calls.ping).toBe(0);
  });
});
