import { afterEach, describe, expect, it } from 'vitest';
import { type TestApp, createTestApp } from '../harness/app.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('CORS', () => {
  it('allows only configured origins', async () => {
    t = await createTestApp({ vars: { CORS_ORIGINS: 'https://app.example.com' } });
    const preflight = (origin: string) =>
      t!.aureus.server.inject({ method: 'OPTIONS', url: '/health', headers: { origin, 'access-control-request-method': 'GET' } });
    const allowed = await preflight('https://app.example.com');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(allowed.headers['access-control-allow-credentials']).toBe('true');
    const denied = await preflight('https://evil.example.net');
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
    const simple = await t.aureus.server.inject({ method: 'GET', url: '/health/live', headers: { origin: 'https://app.example.com' } });
    expect(simple.headers['access-control-expose-headers']).toContain('x-request-id');
  });

  it('sends no CORS headers when no origin is configured', async () => {
    t = await createTestApp();
    const response = await t.aureus.server.inject({ method: 'GET', url: '/health/live', headers: { origin: 'https://app.example.com' } });
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('FORCE_HTTPS', () => {
  it('redirects plain HTTP, believing X-Forwarded-Proto only from a trusted proxy', async () => {
    t = await createTestApp({ vars: { FORCE_HTTPS: 'true', TRUSTED_PROXIES: '127.0.0.1' } });
    const plain = await t.aureus.server.inject({ method: 'GET', url: '/v1/x?y=1', headers: { host: 'api.example.com' } });
    expect(plain.statusCode).toBe(301);
    expect(plain.headers.location).toBe('https://api.example.com/v1/x?y=1');
    const viaProxy = await t.aureus.server.inject({ method: 'GET', url: '/v1/x', headers: { 'x-forwarded-proto': 'https' } });
    expect(viaProxy.statusCode).toBe(404);
    const post = await t.aureus.server.inject({ method: 'POST', url: '/v1/x', headers: { host: 'api.example.com' } });
    expect(post.statusCode).toBe(308);
    const probe = await t.aureus.server.inject({ method: 'GET', url: '/health/live' });
    expect(probe.statusCode).toBe(200);
  });

  it('ignores X-Forwarded-Proto from an untrusted client', async () => {
    t = await createTestApp({ vars: { FORCE_HTTPS: 'true' } });
    const spoofed = await t.aureus.server.inject({ method: 'GET', url: '/v1/x', headers: { 'x-forwarded-proto': 'https', host: 'api.example.com' } });
    expect(spoofed.statusCode).toBe(301);
  });
});

describe('logging', () => {
  it('redacts credentials from every log line', async () => {
    t = await createTestApp();
    const logger = t.aureus.logging.child('test');
    logger.info(
      { password: 'hunter2', token: 'tok-secret', api_key: 'aur_live_x', user: { password: 'pw-2' }, connection_url: 'postgres://u:pw@h/db' },
      'test.secret_fields',
    );
    const line = t.logs.find('test.secret_fields')[0];
    expect(line).toMatchObject({ password: '[REDACTED]', token: '[REDACTED]', api_key: '[REDACTED]', user: { password: '[REDACTED]' }, connection_url: '[REDACTED]' });
    expect(t.logs.raw.join('\n')).not.toMatch(/hunter2|tok-secret|aur_live_x|pw-2|pw@h/);
  });

  it('changes the level of every logger at runtime and audits it', async () => {
    t = await createTestApp({ vars: { LOG_LEVEL: 'info' } });
    const logger = t.aureus.logging.child('test');
    logger.debug('test.before');
    await t.aureus.modules.admin.service.setLogLevel('debug', { userId: null, organizationId: null, via: 'cli' });
    logger.debug('test.after');
    expect(t.logs.find('test.before')).toHaveLength(0);
    expect(t.logs.find('test.after')).toHaveLength(1);
    const { rows } = await t.aureus.db.query<{ details: Record<string, unknown> }>("SELECT details FROM audit_events WHERE event_type = 'logging.level_changed'");
    expect(rows.map((r) => r.details)).toEqual([{ level: 'debug', previous: 'info', via: 'cli' }]);
  });

  it('logs slow requests at warn with route and duration', async () => {
    t = await createTestApp({ vars: { SLOW_REQUEST_MS: '1' } });
    t.aureus.server.get('/test/slow', { config: { auth: 'public' } }, async () => {
      await new Promise((r) => setTimeout(r, 20));
      return { ok: true };
    });
    await t.aureus.server.inject({ method: 'GET', url: '/test/slow' });
    const slow = t.logs.find('http.slow_request');
    expect(slow).toHaveLength(1);
    expect(slow[0]).toMatchObject({ level: 'warn', route: '/test/slow', status: 200 });
    expect(slow[0]?.duration_ms).toBeGreaterThanOrEqual(15);
  });

  it('writes one access line per response, with the request id, route, status and duration', async () => {
    t = await createTestApp();
    const response = await t.aureus.server.inject({ method: 'GET', url: '/openapi.json?x=1', headers: { 'x-request-id': 'access-1' } });
    expect(response.statusCode).toBe(200);
    const lines = t.logs.lines.filter((l) => l.request_id === 'access-1');
    expect(lines).toEqual([
      { level: 'info', time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/), service: 'aureus', request_id: 'access-1', method: 'GET', route: '/openapi.json', status: 200, duration_ms: expect.any(Number), msg: 'http.request' },
    ]);
  });

  it("puts the request id on a handler's own log lines and its child loggers", async () => {
    t = await createTestApp();
    t.aureus.server.get('/test/logs', { config: { auth: 'public' } }, async (request) => {
      request.log.warn({ step: 1 }, 'test.handler');
      request.log.child({ part: 'inner' }).info('test.child');
      return { ok: true };
    });
    await t.aureus.server.inject({ method: 'GET', url: '/test/logs', headers: { 'x-request-id': 'own-1' } });
    expect(t.logs.find('test.handler')).toEqual([expect.objectContaining({ level: 'warn', request_id: 'own-1', step: 1 })]);
    expect(t.logs.find('test.child')).toEqual([expect.objectContaining({ level: 'info', request_id: 'own-1', part: 'inner' })]);
  });

  it('leaves skipped paths out of the access log', async () => {
    t = await createTestApp();
    await t.aureus.server.inject({ method: 'GET', url: '/health/live' });
    await t.aureus.server.inject({ method: 'GET', url: '/openapi.json' });
    expect(t.logs.find('http.request').map((l) => l.route)).toEqual(['/openapi.json']);
  });

  it('writes production error logs without stack traces', async () => {
    t = await createTestApp();
    const { errorFields } = await import('../../src/platform/logger.js');
    expect(errorFields(new TypeError('bad'), 'production')).toEqual({ err_type: 'TypeError', err_message: 'bad' });
    expect(errorFields(new TypeError('bad'), 'development')).toHaveProperty('err_stack');
  });
});

describe('route declarations', () => {
  it('refuses to start with a route that declares no auth mode', async () => {
    t = await createTestApp();
    t.aureus.server.get('/test/undeclared', async () => 'open');
    await expect(t.aureus.server.ready()).rejects.toThrow('GET /test/undeclared declares no auth mode');
  });

  it('refuses to start with a non-public route that declares no permission', async () => {
    t = await createTestApp();
    t.aureus.server.get('/test/no-permission', { config: { auth: 'user' } }, async () => 'open');
    await expect(t.aureus.server.ready()).rejects.toThrow('GET /test/no-permission declares no permission');
  });
});
