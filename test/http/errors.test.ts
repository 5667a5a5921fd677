import { readFileSync } from 'node:fs';
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, ERROR_CODES, ERROR_STATUS, type ErrorCode } from '../../src/platform/errors.js';
import { type TestApp, createTestApp } from '../harness/app.js';

const SECURITY_HEADERS = ['content-security-policy', 'x-frame-options', 'x-content-type-options', 'referrer-policy', 'cross-origin-opener-policy', 'cross-origin-resource-policy'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ vars: { MAX_BODY_BYTES: '2048' } });
  const app = t.aureus.server;
  const publicRoute = { auth: 'public' } as const;
  app.post(
    '/test/echo',
    {
      config: publicRoute,
      schema: { body: Type.Object({ name: Type.String({ minLength: 1 }), n: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }) },
    },
    async (request) => request.body,
  );
  app.get('/test/fail/:code', { config: publicRoute }, async (request) => {
    const code = (request.params as { code: ErrorCode }).code;
    throw new AppError(code, `failure ${code}`, { retryAfterSeconds: 7 });
  });
  app.get('/test/boom', { config: publicRoute }, async () => {
    throw new Error('connect ECONNREFUSED db.internal password=hunter2');
  });
});
afterAll(() => t.close());

function expectUniformError(response: { json(): unknown; headers: Record<string, unknown> }, code: ErrorCode) {
  const body = response.json() as { error: Record<string, unknown> };
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.request_id).toBe(response.headers['x-request-id']);
  for (const header of SECURITY_HEADERS) expect(response.headers[header], header).toBeDefined();
  expect(response.headers['cache-control']).toBe('no-store');
  expect(response.headers['x-powered-by']).toBeUndefined();
  return body.error;
}

describe('uniform errors', () => {
  it.each(ERROR_CODES)('%s keeps its status and the uniform body', async (code) => {
    const response = await t.aureus.server.inject({ method: 'GET', url: `/test/fail/${code}` });
    expect(response.statusCode).toBe(ERROR_STATUS[code]);
    const error = expectUniformError(response, code);
    if (code !== 'INTERNAL_ERROR') expect(error.message).toBe(`failure ${code}`);
    if (code === 'RATE_LIMIT_EXCEEDED' || code === 'QUOTA_EXCEEDED' || code === 'SERVICE_UNAVAILABLE') {
      expect(response.headers['retry-after']).toBe('7');
    }
  });

  it('hides the cause of a 500 and logs it once with the request id', async () => {
    const response = await t.aureus.server.inject({ method: 'GET', url: '/test/boom', headers: { 'x-request-id': 'trace-500' } });
    expect(response.statusCode).toBe(500);
    const error = expectUniformError(response, 'INTERNAL_ERROR');
    expect(error.message).not.toMatch(/hunter2|ECONNREFUSED|db\.internal/);
    const logged = t.logs.find('request.failed').filter((l) => l.request_id === 'trace-500');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 'error', err_type: 'Error', code: 'INTERNAL_ERROR' });
  });

  it('answers an unknown route with 404', async () => {
    const response = await t.aureus.server.inject({ method: 'GET', url: '/v1/nowhere' });
    expect(response.statusCode).toBe(404);
    expectUniformError(response, 'RESOURCE_NOT_FOUND');
  });

  it('answers a known path with the wrong method with 405 and Allow', async () => {
    const response = await t.aureus.server.inject({ method: 'DELETE', url: '/health' });
    expect(response.statusCode).toBe(405);
    expectUniformError(response, 'METHOD_NOT_ALLOWED');
    expect(response.headers.allow).toBe('GET, HEAD');
  });

  it('refuses TRACE everywhere', async () => {
    for (const url of ['/health', '/v1/anything']) {
      const response = await t.aureus.server.inject({ method: 'TRACE' as 'GET', url });
      expect(response.statusCode).toBe(405);
      expectUniformError(response, 'METHOD_NOT_ALLOWED');
    }
  });

  it('answers an oversized body with 413 naming the limit', async () => {
    const response = await t.aureus.server.inject({ method: 'POST', url: '/test/echo', payload: { name: 'x'.repeat(4096), n: 1 } });
    expect(response.statusCode).toBe(413);
    expect(expectUniformError(response, 'PAYLOAD_TOO_LARGE').details).toEqual({ limit_bytes: 2048 });
  });

  it('answers an unsupported content type with 415', async () => {
    const response = await t.aureus.server.inject({ method: 'POST', url: '/test/echo', payload: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(response.statusCode).toBe(415);
    expectUniformError(response, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers a compressed request body with 415, and takes an identity-encoded one', async () => {
    const { gzipSync } = await import('node:zlib');
    const body = gzipSync(JSON.stringify({ name: 'x', n: 1 }));
    const response = await t.aureus.server.inject({ method: 'POST', url: '/test/echo', payload: body, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });
    expect(response.statusCode).toBe(415);
    expect(expectUniformError(response, 'UNSUPPORTED_MEDIA_TYPE').message).toContain('Content-Encoding: gzip');
    const plain = await t.aureus.server.inject({ method: 'POST', url: '/test/echo', payload: { name: 'x', n: 1 }, headers: { 'content-encoding': 'Identity' } });
    expect(plain.statusCode).toBe(200);
  });

  it('answers malformed JSON with 400', async () => {
    const response = await t.aureus.server.inject({ method: 'POST', url: '/test/echo', payload: '{"name": ', headers: { 'content-type': 'application/json' } });
    expect(response.statusCode).toBe(400);
    expect(expectUniformError(response, 'VALIDATION_ERROR').message).toMatch(/not valid JSON/);
  });

  it('answers an empty JSON body with 400', async () => {
    const response = await t.aureus.server.inject({ method: 'POST', url: '/test/echo', headers: { 'content-type': 'application/json' } });
    expect(response.statusCode).toBe(400);
    expectUniformError(response, 'VALIDATION_ERROR');
  });

  it('lists every schema failure with its field path', async () => {
    const response = await t.aureus.server.inject({ method: 'POST', url: '/test/echo', payload: { n: -1, extra: true } });
    expect(response.statusCode).toBe(400);
    const error = expectUniformError(response, 'VALIDATION_ERROR');
    const paths = (error.details as { fields: { path: string }[] }).fields.map((f) => f.path).sort();
    expect(paths).toEqual(['body/extra', 'body/n', 'body/name']);
  });

  it('passes a valid request through untouched', async () => {
    const response = await t.aureus.server.inject({ method: 'POST', url: '/test/echo', payload: { name: 'ok', n: 3 } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ name: 'ok', n: 3 });
    for (const header of SECURITY_HEADERS) expect(response.headers[header], header).toBeDefined();
  });
});

describe('request ids', () => {
  it.each([
    ['a UUID', '3f2b8c1e-9a4d-4e2f-8b6a-1c2d3e4f5a6b'],
    ['a safe token', 'gateway.req-42_A'],
  ])('reuses %s', async (_kind, id) => {
    const response = await t.aureus.server.inject({ method: 'GET', url: '/v1/missing', headers: { 'x-request-id': id } });
    expect(response.headers['x-request-id']).toBe(id);
    expect(response.json().error.request_id).toBe(id);
  });

  it.each([
    ['a log-injection attempt', 'abc\nFAKE_LOG_ENTRY: admin logged in'],
    ['an over-long value', 'a'.repeat(65)],
    ['odd characters', '<script>alert(1)</script>'],
    ['an empty value', ''],
  ])('replaces %s with a fresh UUID, never echoing it', async (_kind, id) => {
    const response = await t.aureus.server.inject({ method: 'GET', url: '/v1/missing', headers: { 'x-request-id': id } });
    const given = response.headers['x-request-id'] as string;
    expect(given).toMatch(UUID);
    expect(response.json().error.request_id).toBe(given);
    expect(response.body).not.toContain('FAKE_LOG_ENTRY');
  });

  it('puts the request id on every log line of the request', async () => {
    await t.aureus.server.inject({ method: 'POST', url: '/test/echo', payload: { n: 1 }, headers: { 'x-request-id': 'lines-1' } });
    const lines = t.logs.lines.filter((l) => l.request_id === 'lines-1');
    expect(lines.map((l) => l.msg)).toEqual(['request.refused', 'http.request']);
  });
});

describe('docs/errors.md', () => {
  it('documents exactly the closed set of codes with their statuses', () => {
    const doc = readFileSync('docs/errors.md', 'utf8');
    const documented = [...doc.matchAll(/^### ([A-Z_]+)\n`(\d{3})`/gm)].map((m) => [m[1], Number(m[2])]);
    expect(documented).toEqual(ERROR_CODES.map((code) => [code, ERROR_STATUS[code]]));
  });
});
