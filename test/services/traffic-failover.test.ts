// The failure modes against real Redis behind a TCP proxy: stopped (refuse), hung on reconnect
// (hang), hung mid-connection (a stall proxy: replies held back on a live connection), and back.
import { type Socket, createConnection, createServer } from 'node:net';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type FailoverOptions, type RateLimiter, createRateLimiter } from '../../src/modules/traffic/failover.js';
import { createRedisStore } from '../../src/modules/traffic/redis-store.js';
import type { LimiterState, RateLimitResult, WindowPolicy } from '../../src/modules/traffic/types.js';
import { type RedisManager, createRedisManager, waitForRedis } from '../../src/platform/redis.js';
import { TEST_REDIS_URL } from '../harness/env.js';
import { startTcpProxy } from '../harness/tcp-proxy.js';

const target = new URL(TEST_REDIS_URL as string);
const upstream = { host: target.hostname, port: Number(target.port) };
const PREFIX = `aureus-test:traffic-failover:${process.pid}:`;
const minute: WindowPolicy[] = [{ name: 'minute', limit: 8, windowMs: 60_000 }];
const cleanups: (() => Promise<void> | void)[] = [];

/** Holds Redis's replies back on live connections while stalled, as a hung server would. */
async function startStallProxy() {
  const pairs: { client: Socket; server: Socket }[] = [];
  const proxy = createServer((client) => {
    const server = createConnection(upstream);
    client.pipe(server);
    server.pipe(client);
    client.on('error', () => server.destroy());
    server.on('error', () => client.destroy());
    pairs.push({ client, server });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `redis://127.0.0.1:${(proxy.address() as { port: number }).port}`,
    stall: () => pairs.forEach((p) => p.server.unpipe(p.client)),
    resume: () => pairs.forEach((p) => p.server.pipe(p.client)),
    close: async () => {
      pairs.forEach((p) => (p.client.destroy(), p.server.destroy()));
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}

async function setup(redisUrl: string, options: Partial<FailoverOptions> = {}) {
  const manager: RedisManager = createRedisManager({ url: redisUrl, keyPrefix: PREFIX, commandTimeoutMs: 250, logger: pino({ level: 'silent' }) });
  await waitForRedis(manager, 5_000);
  const waiters: { state: LimiterState; resolve: () => void }[] = [];
  const limiter = createRateLimiter({
    redis: createRedisStore(manager),
    mode: 'fallback',
    timeoutMs: 50,
    probe: { initialMs: 50, maxMs: 200, jitter: 0 },
    observer: { stateChange: (state) => waiters.filter((w) => w.state === state).forEach((w) => w.resolve()) },
    ...options,
  });
  cleanups.push(() => limiter.close(), () => manager.close());
  /** Resolves on the next change to `state` (or at once if already there). */
  const reaches = (state: LimiterState) =>
    limiter.state() === state ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ state, resolve }));
  return { manager, limiter, reaches };
}

async function timed(limiter: RateLimiter, key: string): Promise<{ ms: number; result: RateLimitResult }> {
  const started = performance.now();
  const result = await limiter.check(key, minute);
  return { ms: performance.now() - started, result };
}

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  const { Redis } = await import('ioredis');
  const client = new Redis(TEST_REDIS_URL as string);
  const keys = await client.keys(`${PREFIX}*`);
  if (keys.length > 0) await client.del(...keys);
  client.disconnect();
});

describe('rate limiter when Redis fails', () => {
  it('fallback: stopped Redis → memory at once; back → Redis again by itself', async () => {
    const proxy = await startTcpProxy(upstream);
    cleanups.push(() => proxy.close());
    const { manager, limiter, reaches } = await setup(proxy.url('redis'));
    expect((await limiter.check('fb', minute)).source).toBe('redis');
    const closed = new Promise((resolve) => manager.client.once('close', resolve));
    proxy.setMode('refuse');
    await closed;
    expect(await limiter.check('fb', minute)).toMatchObject({ allowed: true, source: 'memory', limit: 8 });
    // Failed at once (the client refuses commands while disconnected), not at the deadline.
    expect(limiter.stats()).toMatchObject({ state: 'fallback', redisErrors: 1, redisTimeouts: 0 });
    proxy.setMode('forward');
    await reaches('redis');
    expect((await limiter.check('fb', minute)).source).toBe('redis');
    expect(limiter.stats()).toMatchObject({ allowed: 3, redisErrors: 1 });
  });

  it('fallback: Redis hung on reconnect costs nothing per request, and recovers', async () => {
    const proxy = await startTcpProxy(upstream);
    cleanups.push(() => proxy.close());
    const { manager, limiter, reaches } = await setup(proxy.url('redis'));
    const closed = new Promise((resolve) => manager.client.once('close', resolve));
    proxy.setMode('hang');
    await closed;
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await limiter.check('hang', minute));
    expect(results.every((r) => r.source === 'memory')).toBe(true);
    // The client refuses commands until its ready check passes: no request waited for a deadline.
    expect(limiter.stats()).toMatchObject({ redisErrors: 1, redisTimeouts: 0 });
    proxy.setMode('forward');
    await reaches('redis');
    expect((await limiter.check('hang', minute)).source).toBe('redis');
  });

  it('fallback: Redis hung mid-connection costs one deadline (≈ 50 ms), then nothing', async () => {
    const stall = await startStallProxy();
    cleanups.push(() => stall.close());
    const { limiter, reaches } = await setup(stall.url);
    expect((await limiter.check('stall', minute)).source).toBe('redis');
    stall.stall();
    const first = await timed(limiter, 'stall');
    const next = await timed(limiter, 'stall');
    expect(first.result.source).toBe('memory');
    // The 50 ms deadline plus scheduling slack on a shared machine (typically 50–52 ms).
    expect(first.ms).toBeGreaterThanOrEqual(49);
    expect(first.ms).toBeLessThan(100);
    expect(next.ms).toBeLessThan(25);
    // The second check never went to Redis.
    expect(limiter.stats()).toMatchObject({ state: 'fallback', redisErrors: 1, redisTimeouts: 1 });
    stall.resume();
    await reaches('redis');
    expect((await limiter.check('stall', minute)).source).toBe('redis');
  });

  it('closed: stopped Redis → unavailable (503 with Retry-After); back → admitted from Redis', async () => {
    const proxy = await startTcpProxy(upstream);
    cleanups.push(() => proxy.close());
    const { manager, limiter, reaches } = await setup(proxy.url('redis'), { mode: 'closed', unavailableRetryAfterMs: 2_000 });
    const closed = new Promise((resolve) => manager.client.once('close', resolve));
    proxy.setMode('refuse');
    await closed;
    expect(await limiter.check('closed', minute)).toMatchObject({ allowed: false, unavailable: true, retryAfterMs: 2_000, source: 'none' });
    proxy.setMode('forward');
    await reaches('redis');
    expect(await limiter.check('closed', minute)).toMatchObject({ allowed: true, unavailable: false, source: 'redis' });
  });

  it('local: stopped Redis → memory at limit ÷ expected instances', async () => {
    const proxy = await startTcpProxy(upstream);
    cleanups.push(() => proxy.close());
    const { manager, limiter } = await setup(proxy.url('redis'), { mode: 'local', expectedInstances: 3 });
    const closed = new Promise((resolve) => manager.client.once('close', resolve));
    proxy.setMode('refuse');
    await closed;
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await limiter.check('local', minute));
    expect(results.map((r) => [r.allowed, r.limit, r.source])).toEqual([[true, 2, 'memory'], [true, 2, 'memory'], [false, 2, 'memory']]);
  });
});
