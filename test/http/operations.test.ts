import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type TestApp, createTestApp } from '../harness/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ vars: { METRICS_TOKEN: 'scrape-token-0123456789abcdef' } });
});
afterAll(() => t.close());

describe('health', () => {
  it('reports every component with status, latency and message (seed 000 shape)', async () => {
    // Connections open lazily; the first report may be degraded by their set-up latency.
    const response = await vi.waitFor(async () => {
      const r = await t.aureus.server.inject({ method: 'GET', url: '/health' });
      expect(r.json().status).toBe('healthy');
      return r;
    }, { timeout: 5_000, interval: 200 });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ status: 'healthy', service: 'aureus', version: '0.1.0', environment: 'test' });
    expect(body.components.map((c: { name: string }) => c.name)).toEqual(expect.arrayContaining(['database', 'redis', 'queue', 'breakers', 'rate_limiter']));
    for (const c of body.components) {
      expect(['healthy', 'degraded', 'unhealthy']).toContain(c.status);
      expect(c.latency_ms).toBeGreaterThanOrEqual(0);
      expect(c.message.length).toBeGreaterThan(0);
    }
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('answers liveness and readiness', async () => {
    const live = await t.aureus.server.inject({ method: 'GET', url: '/health/live' });
    expect(live.json()).toMatchObject({ status: 'alive' });
    const ready = await t.aureus.server.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready' });
  });

  it('details the metadata store and its pool', async () => {
    const response = await t.aureus.server.inject({ method: 'GET', url: '/health/database' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ name: 'database', status: 'healthy', kind: t.aureus.db.kind });
    expect(body.connection_pool.size).toBeGreaterThanOrEqual(1);
  });

  it('details Redis', async () => {
    const response = await t.aureus.server.inject({ method: 'GET', url: '/health/redis' });
    const body = response.json();
    if (t.aureus.redis) {
      expect(body).toMatchObject({ name: 'redis', status: 'healthy', configured: true });
      expect(body.memory_used_mb).toBeGreaterThan(0);
    } else {
      expect(body).toMatchObject({ name: 'redis', configured: false, message: 'not configured; in-process memory stands in' });
    }
  });

  it('shows an open breaker as degraded', async () => {
    const breaker = t.aureus.breakers.getOrCreate('dataset:test', { failureThreshold: 1, recoveryTimeoutMs: 60_000, halfOpenMaxCalls: 1, successThreshold: 1 });
    await expect(breaker.execute(async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    const body = (await t.aureus.server.inject({ method: 'GET', url: '/health' })).json();
    expect(body.status).toBe('degraded');
    expect(body.components.find((c: { name: string }) => c.name === 'breakers')).toMatchObject({ status: 'degraded', message: 'dataset:test open' });
    expect(body.breakers).toEqual([expect.objectContaining({ name: 'dataset:test', state: 'open', failures: 1 })]);
  });
});

describe('metrics', () => {
  it('requires the metrics token when one is set', async () => {
    const none = await t.aureus.server.inject({ method: 'GET', url: '/metrics' });
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('AUTHENTICATION_FAILED');
    const wrong = await t.aureus.server.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer nope' } });
    expect(wrong.statusCode).toBe(401);
  });

  it('exposes request, pool, queue, breaker and process metrics with bounded labels', async () => {
    await t.aureus.server.inject({ method: 'GET', url: '/health/live' });
    await t.aureus.server.inject({ method: 'GET', url: '/v1/some/unknown/123e4567' });
    const response = await t.aureus.server.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer scrape-token-0123456789abcdef' } });
    expect(response.statusCode).toBe(200);
    const text = response.body;
    expect(text).toContain('aureus_http_requests_total{method="GET",route="/health/live",status_code="200"}');
    expect(text).toContain('aureus_http_requests_total{method="GET",route="unmatched",status_code="404"}');
    expect(text).toContain('aureus_http_errors_total{route="unmatched",code="RESOURCE_NOT_FOUND"}');
    expect(text).not.toContain('123e4567');
    for (const name of ['aureus_http_request_duration_seconds_bucket', 'aureus_db_pool_connections', 'aureus_queue_jobs', 'aureus_kill_switch_on 0', 'aureus_process_cpu_user_seconds_total']) {
      expect(text).toContain(name);
    }
  });
});

describe('docs', () => {
  it('serves OpenAPI generated from the route schemas, compressed when asked', async () => {
    const response = await t.aureus.server.inject({ method: 'GET', url: '/openapi.json', headers: { 'accept-encoding': 'gzip' } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-encoding']).toBe('gzip');
    const plain = await t.aureus.server.inject({ method: 'GET', url: '/openapi.json' });
    const spec = plain.json();
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/health', '/health/ready', '/metrics']));
  });

  it('serves the UI with a CSP that allows only its own assets', async () => {
    const response = await t.aureus.server.inject({ method: 'GET', url: '/docs/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-security-policy']).toContain("script-src 'self'");
    expect(response.headers['x-frame-options']).toBe('DENY');
  });
});
