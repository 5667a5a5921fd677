import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, createTestApp } from '../harness/app.js';
import { type TestDb, createTestDb } from '../harness/db.js';
import { TEST_REDIS_URL } from '../harness/env.js';
import { type Session, userWithRole } from '../harness/identity.js';

// Two API instances sharing one PostgreSQL database and one Redis, as in production.
let shared: TestDb;
let a: TestApp;
let b: TestApp;
beforeAll(async () => {
  shared = await createTestDb();
  const vars = { REDIS_URL: TEST_REDIS_URL as string, REDIS_KEY_PREFIX: `aureus:test:${randomBytes(4).toString('hex')}:` };
  a = await createTestApp({ db: shared, vars });
  b = await createTestApp({ db: shared, vars });
});
afterAll(async () => {
  await a.close();
  await b.close();
  await shared.close();
});

async function untilRefused(app: TestApp, headers: Record<string, string>): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < 3_000) {
    if ((await app.aureus.server.inject({ method: 'GET', url: '/v1/auth/me', headers })).statusCode === 401) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 20));
  }
  return Infinity;
}

describe('revocation across instances', () => {
  let analyst: Session;
  beforeAll(async () => {
    analyst = await userWithRole(a, 'analyst');
  });

  it('a key revoked at one instance stops working at the other within a second', async () => {
    const key = (await a.aureus.server.inject({ method: 'POST', url: '/v1/auth/api-keys', headers: analyst.auth, payload: { name: 'x' } })).json();
    const headers = { 'x-api-key': key.key_value };
    expect((await b.aureus.server.inject({ method: 'GET', url: '/v1/auth/me', headers })).statusCode).toBe(200);
    await a.aureus.server.inject({ method: 'DELETE', url: `/v1/auth/api-keys/${key.id}`, headers: analyst.auth });
    expect(await untilRefused(b, headers)).toBeLessThan(1_000);
  });

  it('a grace-period rotation ends at the other instance when the grace ends', async () => {
    const key = (await a.aureus.server.inject({ method: 'POST', url: '/v1/auth/api-keys', headers: analyst.auth, payload: { name: 'g' } })).json();
    const headers = { 'x-api-key': key.key_value };
    expect((await b.aureus.server.inject({ method: 'GET', url: '/v1/auth/me', headers })).statusCode).toBe(200);
    await a.aureus.server.inject({ method: 'POST', url: `/v1/auth/api-keys/${key.id}/rotate`, headers: analyst.auth, payload: { grace_period_seconds: 1 } });
    expect((await b.aureus.server.inject({ method: 'GET', url: '/v1/auth/me', headers })).statusCode).toBe(200);
    expect(await untilRefused(b, headers)).toBeLessThan(2_000);
  });

  it('a logout at one instance ends the access token at the other at once', async () => {
    const s = await userWithRole(a, 'viewer');
    expect((await b.aureus.server.inject({ method: 'GET', url: '/v1/auth/me', headers: s.auth })).statusCode).toBe(200);
    await a.aureus.server.inject({ method: 'POST', url: '/v1/auth/logout', headers: s.auth });
    expect(await untilRefused(b, s.auth)).toBeLessThan(1_000);
  });

  it('disabling a user at one instance ends their sessions and keys at the other', async () => {
    const s = await userWithRole(a, 'analyst');
    const key = (await a.aureus.server.inject({ method: 'POST', url: '/v1/auth/api-keys', headers: s.auth, payload: { name: 'k' } })).json();
    expect((await b.aureus.server.inject({ method: 'GET', url: '/v1/auth/me', headers: { 'x-api-key': key.key_value } })).statusCode).toBe(200);
    expect((await b.aureus.server.inject({ method: 'GET', url: '/v1/auth/me', headers: s.auth })).statusCode).toBe(200);
    const admin = await userWithRole(a, 'admin');
    await a.aureus.server.inject({ method: 'PATCH', url: `/v1/admin/users/${s.userId}`, headers: admin.auth, payload: { is_active: false } });
    expect(await untilRefused(b, s.auth)).toBeLessThan(1_000);
    expect(await untilRefused(b, { 'x-api-key': key.key_value })).toBeLessThan(1_000);
  });

  it('a log level change at one instance reaches the other', async () => {
    const admin = await userWithRole(a, 'admin');
    await a.aureus.server.inject({ method: 'PATCH', url: '/v1/admin/logging/level', headers: admin.auth, payload: { level: 'error' } });
    const started = Date.now();
    while (b.aureus.logging.level() !== 'error' && Date.now() - started < 1_000) await new Promise((r) => setTimeout(r, 20));
    expect(b.aureus.logging.level()).toBe('error');
  });
});
