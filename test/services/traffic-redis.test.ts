// The Redis store on real Redis: the window-edge burst, several app instances racing on one key,
// several windows at once, one round trip per check, idle keys expiring, and the same answers as
// the memory store.
import { once } from 'node:events';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/modules/traffic/memory-store.js';
import { createRedisStore } from '../../src/modules/traffic/redis-store.js';
import { plan } from '../../src/modules/traffic/sliding-window.js';
import type { RateLimitResult, WindowPolicy } from '../../src/modules/traffic/types.js';
import { type RedisManager, createRedisManager, waitForRedis } from '../../src/platform/redis.js';
import { TEST_REDIS_URL } from '../harness/env.js';

const url = TEST_REDIS_URL as string;
const PREFIX = `aureus-test:traffic-redis:${process.pid}:`;
const managers: RedisManager[] = [];

async function manager(): Promise<RedisManager> {
  const m = createRedisManager({ url, keyPrefix: PREFIX, commandTimeoutMs: 2_000, logger: pino({ level: 'silent' }) });
  managers.push(m);
  await waitForRedis(m, 5_000);
  return m;
}

async function keysLike(client: Redis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

async function serverMs(client: Redis): Promise<number> {
  const [s, us] = await client.time();
  return Number(s) * 1_000 + Math.floor(Number(us) / 1_000);
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

afterAll(async () => {
  const first = managers[0];
  if (first) {
    const keys = await keysLike(first.client, `${PREFIX}*`);
    if (keys.length > 0) await first.client.del(...keys);
  }
  await Promise.all(managers.map((m) => m.close()));
});

describe('Redis store', () => {
  it('lets through at most the limit when twice the limit straddles a fixed-window edge', async () => {
    const m = await manager();
    const store = createRedisStore(m);
    const second: WindowPolicy[] = [{ name: 'second', limit: 5, windowMs: 1_000, buckets: 10 }];
    // Waiting for the server clock to reach the edge: there is no event to await.
    const now = await serverMs(m.client);
    let edge = Math.ceil(now / 1_000) * 1_000;
    if (edge - now < 150) edge += 1_000;
    await delay(edge - 100 - now);
    const before = await Promise.all(Array.from({ length: 5 }, () => store.check('burst', second)));
    await delay(edge + 20 - (await serverMs(m.client)));
    const after = await Promise.all(Array.from({ length: 5 }, () => store.check('burst', second)));
    expect(before.every((r) => r.allowed)).toBe(true);
    expect(after.map((r) => r.allowed)).toEqual([false, false, false, false, false]);
    expect(after.every((r) => r.window === 'second' && r.retryAfterMs > 0 && r.retryAfterMs <= 1_100)).toBe(true);
  });

  it('admits at most the limit across four instances racing on one key', async () => {
    const stores = await Promise.all([1, 2, 3, 4].map(async () => createRedisStore(await manager())));
    const limit: WindowPolicy[] = [{ name: 'minute', limit: 50, windowMs: 60_000 }];
    const results = await Promise.all(stores.flatMap((s) => Array.from({ length: 100 }, () => s.check('race', limit))));
    expect(results.filter((r) => r.allowed)).toHaveLength(50);
    expect(results.filter((r) => !r.allowed).every((r) => r.window === 'minute' && r.remaining === 0)).toBe(true);
  });

  it('refuses on the hour window when the minute window still has room, counting nothing', async () => {
    const store = createRedisStore(await manager());
    const tiers: WindowPolicy[] = [{ name: 'minute', limit: 5, windowMs: 60_000 }, { name: 'hour', limit: 3, windowMs: 3_600_000 }];
    const results: RateLimitResult[] = [];
    for (let i = 0; i < 5; i++) results.push(await store.check('multi', tiers));
    expect(results.map((r) => [r.allowed, r.window, r.remaining])).toEqual([[true, 'hour', 2], [true, 'hour', 1], [true, 'hour', 0], [false, 'hour', 0], [false, 'hour', 0]]);
    const refused = results[4] as RateLimitResult;
    expect(refused.windows.map((w) => [w.name, w.remaining])).toEqual([['minute', 2], ['hour', 0]]);
    expect(refused.retryAfterMs).toBeGreaterThan(3_600_000 - 5_000);
  });

  it('takes exactly one Redis round trip per check, admitted or refused', async () => {
    const m = await manager();
    const store = createRedisStore(m);
    const policies: WindowPolicy[] = [{ name: 'minute', limit: 10, windowMs: 60_000 }, { name: 'day', limit: 100_000, windowMs: 86_400_000 }];
    await store.check('trips', policies);
    const monitor = await new Redis(url).monitor();
    const source = `${m.client.stream.localAddress}:${m.client.stream.localPort}`;
    const seen: string[] = [];
    monitor.on('monitor', (_time: string, args: string[], from: string) => {
      if (from.endsWith(source)) seen.push((args[0] as string).toLowerCase());
    });
    let sent = 0;
    const send = m.client.sendCommand.bind(m.client);
    m.client.sendCommand = (...args: Parameters<typeof send>) => (sent++, send(...args));
    const results = [];
    for (let i = 0; i < 20; i++) results.push(await store.check('trips', policies));
    m.client.sendCommand = send;
    const marker = once(monitor, 'monitor');
    await m.client.echo('end');
    await marker;
    while (seen.at(-1) !== 'echo') await once(monitor, 'monitor');
    monitor.disconnect();
    expect(results.filter((r) => !r.allowed)).toHaveLength(11);
    expect(sent).toBe(20);
    expect(seen).toEqual([...Array<string>(20).fill('evalsha'), 'echo']);
  });

  it('keeps its keys under the key prefix with a TTL of one window plus two buckets', async () => {
    const m = await manager();
    await createRedisStore(m).check('ttl', [{ name: 'minute', limit: 10, windowMs: 60_000 }, { name: 'hour', limit: 10, windowMs: 3_600_000 }]);
    const keys = (await keysLike(m.client, `${PREFIX}rl:{ttl}:*`)).sort();
    expect(keys).toEqual([`${PREFIX}rl:{ttl}:hour:60000`, `${PREFIX}rl:{ttl}:minute:1000`]);
    const ttls = await Promise.all(keys.map((k) => m.client.pttl(k)));
    expect(ttls[0]).toBeGreaterThan(3_600_000);
    expect(ttls[0]).toBeLessThanOrEqual(62 * 60_000);
    expect(ttls[1]).toBeGreaterThan(60_000);
    expect(ttls[1]).toBeLessThanOrEqual(62_000);
  });

  it('decides exactly as the memory store would at the same server times, expiry and lowered limits included', async () => {
    const store = createRedisStore(await manager());
    // Short windows (below what config accepts, which the store doesn't care about) so that
    // buckets expire many times within the test: 50 ms buckets for `fast`, 250 ms for `slow`.
    const fast = (limit: number): WindowPolicy => ({ name: 'fast', limit, windowMs: 400, buckets: 8 });
    const slow: WindowPolicy = { name: 'slow', limit: 9, windowMs: 1_000, buckets: 4 };
    const normal = [fast(4), slow];
    const lowered = [fast(2), slow];
    // Gaps before each check from a fixed LCG: bursts and steps of about a bucket; one pause longer
    // than the fast window (its key is dropped whole); a few checks under a lowered limit.
    let seed = 7;
    const gaps = Array.from({ length: 70 }, (_, i) => (i === 40 ? 500 : ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648), seed % 3 === 0 ? 0 : seed % 60)));
    const seen: { policies: WindowPolicy[]; result: RateLimitResult }[] = [];
    for (const [i, gap] of gaps.entries()) {
      await delay(gap);
      const policies = i % 10 >= 7 ? lowered : normal;
      seen.push({ policies, result: await store.check('replay', policies) });
    }
    let t = 0;
    const memory = createMemoryStore({ now: () => t });
    const shape = (r: RateLimitResult) => ({ allowed: r.allowed, window: r.window, retryAfterMs: r.retryAfterMs, windows: r.windows });
    for (const { policies, result } of seen) {
      t = result.nowMs;
      expect(shape(result)).toEqual(shape(memory.checkNow('replay', policies)));
    }
    const admitted = seen.filter((s) => s.result.allowed).map((s) => s.result.nowMs);
    for (const start of admitted) expect(admitted.filter((u) => u >= start && u <= start + 400).length).toBeLessThanOrEqual(4);
    expect(seen.filter((s) => !s.result.allowed).length).toBeGreaterThan(10);
  });

  it('gives the same answers as the memory store on a scripted sequence', async () => {
    const redis = createRedisStore(await manager());
    const memory = createMemoryStore();
    const a: WindowPolicy[] = [{ name: 'minute', limit: 3, windowMs: 60_000 }, { name: 'hour', limit: 5, windowMs: 3_600_000, buckets: 12 }];
    const b: WindowPolicy[] = [{ name: 'minute', limit: 2, windowMs: 60_000 }];
    const script: [string, WindowPolicy[]][] = [
      ['pa', a], ['pa', a], ['pb', b], ['pa', a], ['pa', a], ['pb', b], ['pb', b], ['pc', a], ['pa', a], ['pc', b], ['pc', a], ['pc', a], ['pc', a],
    ];
    const shape = (r: RateLimitResult) => ({ allowed: r.allowed, window: r.window, limit: r.limit, remaining: r.remaining, windows: r.windows.map((w) => w.remaining), waits: !r.allowed && r.retryAfterMs > 0 });
    const fromRedis = [];
    const fromMemory = [];
    for (const [key, policies] of script) {
      const r = await redis.check(key, policies);
      expect(r.resetMs).toBeGreaterThan(r.nowMs);
      expect(r.resetMs - r.nowMs).toBeLessThanOrEqual(Math.max(...policies.map(plan).map((p) => (p.span + 1) * p.bucketMs)));
      fromRedis.push(shape(r));
      fromMemory.push(shape(await memory.check(key, policies)));
    }
    expect(fromRedis).toEqual(fromMemory);
    // "pc" under both lists shares the minute window (same name and bucket size): 5 refusals.
    expect(fromRedis.filter((r) => !r.allowed)).toHaveLength(5);
  });
});
