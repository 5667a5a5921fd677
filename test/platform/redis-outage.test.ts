import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createMemoryQueue } from '../../src/platform/queue/index.js';
import pino from 'pino';
import { type TestApp, createTestApp } from '../harness/app.js';
import { TEST_REDIS_URL } from '../harness/env.js';
import { type TcpProxy, startTcpProxy } from '../harness/tcp-proxy.js';

// Behind the proxy: the real Redis when there is one, else a port nothing listens on.
const target = TEST_REDIS_URL ? new URL(TEST_REDIS_URL) : new URL('redis://127.0.0.1:1');
let proxy: TcpProxy;
let t: TestApp;

beforeAll(async () => {
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
  proxy.setMode('refuse');
  t = await createTestApp({
    vars: { REDIS_URL: proxy.url('redis'), REDIS_COMMAND_TIMEOUT_MS: '100' },
    overrides: { queue: createMemoryQueue({ concurrency: 1, logger: pino({ level: 'silent' }) }) },
  });
});
afterAll(async () => {
  await t.close();
  await proxy.close();
});

describe('Redis outage in development', () => {
  it('degrades cache calls to misses without errors', async () => {
    const { cache } = t.aureus;
    await expect(cache.set('k', 'v', 60)).resolves.toBe(false);
    await expect(cache.get('k')).resolves.toBeUndefined();
    await expect(cache.delete('k')).resolves.toBe(false);
    await expect(cache.invalidatePattern('k*')).resolves.toBe(0);
  });

  it('shows Redis unhealthy while staying ready', async () => {
    const health = (await t.aureus.server.inject({ method: 'GET', url: '/health' })).json();
    expect(health.status).toBe('degraded');
    expect(health.components.find((c: { name: string }) => c.name === 'redis').status).toBe('unhealthy');
    const ready = await t.aureus.server.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    const redis = await t.aureus.server.inject({ method: 'GET', url: '/health/redis' });
    expect(redis.statusCode).toBe(503);
  });

  it.runIf(TEST_REDIS_URL)('[needs TEST_REDIS_URL] recovers by itself when Redis is back, and fails fast when it hangs', async () => {
    proxy.setMode('forward');
    await vi.waitFor(async () => expect(await t.aureus.cache.set('k', 'v', 60)).toBe(true), { timeout: 8_000, interval: 100 });
    expect(await t.aureus.cache.get('k')).toBe('v');
    const health = (await t.aureus.server.inject({ method: 'GET', url: '/health/redis' })).json();
    expect(health.status).toBe('healthy');

    proxy.setMode('hang');
    const started = performance.now();
    const results = await Promise.all([t.aureus.cache.get('k'), t.aureus.cache.set('k2', 'v', 60)]);
    expect(results).toEqual([undefined, false]);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
