import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateKey, isWellFormed } from '../../src/modules/api-keys/index.js';
import { type TestApp, createTestApp } from '../harness/app.js';
import { type Session, otherOrganization, userWithRole } from '../harness/identity.js';

let t: TestApp;
let analyst: Session;
beforeAll(async () => {
  t = await createTestApp();
  analyst = await userWithRole(t, 'analyst');
});
afterAll(() => t.close());

const inject = (options: InjectOptions) => t.aureus.server.inject(options);
async function createKey(s: Session, payload: Record<string, unknown> = { name: 'etl' }) {
  const response = await inject({ method: 'POST', url: '/v1/auth/api-keys', headers: s.auth, payload });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}
const me = (headers: Record<string, string>) => inject({ method: 'GET', url: '/v1/auth/me', headers });
const INVALID = { code: 'AUTHENTICATION_FAILED', message: 'The API key is invalid, expired or revoked.' };

describe('API key format', () => {
  it('is aur_live_ + 32 random base62 + a 6-character checksum that catches typos', () => {
    const key = generateKey();
    expect(key).toMatch(/^aur_live_[0-9A-Za-z]{38}$/);
    expect(isWellFormed(key)).toBe(true);
    const typo = key.slice(0, 20) + (key[20] === 'a' ? 'b' : 'a') + key.slice(21);
    expect(isWellFormed(typo)).toBe(false);
    expect(isWellFormed(key.slice(0, -1))).toBe(false);
  });
});

describe('API key lifecycle', () => {
  it('shows the secret once, stores only a hash, and authenticates by Bearer or X-API-Key', async () => {
    const created = await createKey(analyst, { name: 'etl job' });
    expect(created).toMatchObject({ name: 'etl job', role: 'analyst', is_active: true, usage_count: 0, message: 'Store this key now: it is shown only once.' });
    expect(created.key_prefix).toBe(created.key_value.slice(0, 21));
    expect((await me({ authorization: `Bearer ${created.key_value}` })).json()).toMatchObject({ id: analyst.userId });
    expect((await me({ 'x-api-key': created.key_value })).statusCode).toBe(200);
    const listed = (await inject({ method: 'GET', url: '/v1/auth/api-keys', headers: analyst.auth })).json();
    expect(JSON.stringify(listed)).not.toContain(created.key_value);
    const { rows } = await t.aureus.db.query('SELECT * FROM api_keys WHERE id = $1', [created.id]);
    expect(JSON.stringify(rows)).not.toContain(created.key_value.slice(9));
  });

  it('cannot be given a higher role than its creator', async () => {
    const response = await inject({ method: 'POST', url: '/v1/auth/api-keys', headers: analyst.auth, payload: { name: 'escalate', role: 'admin' } });
    expect(response.statusCode).toBe(403);
    const lower = await createKey(analyst, { name: 'read-only agent', role: 'viewer' });
    expect(lower.role).toBe('viewer');
    expect((await me({ 'x-api-key': lower.key_value })).statusCode).toBe(200);
  });

  it('cannot manage keys with a key (sessions only)', async () => {
    const created = await createKey(analyst);
    const response = await inject({ method: 'POST', url: '/v1/auth/api-keys', headers: { 'x-api-key': created.key_value }, payload: { name: 'child' } });
    expect(response.statusCode).toBe(401);
  });

  it('rotates with the old key revoked at once by default', async () => {
    const created = await createKey(analyst, { name: 'svc' });
    const response = await inject({ method: 'POST', url: `/v1/auth/api-keys/${created.id}/rotate`, headers: analyst.auth, payload: {} });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.old_key).toMatchObject({ id: created.id, is_active: false });
    expect(body.new_key).toMatchObject({ name: 'svc (rotated)', role: 'analyst', is_active: true });
    expect(body.message).toContain('no longer works');
    expect((await me({ 'x-api-key': created.key_value })).json().error).toEqual(expect.objectContaining(INVALID));
    expect((await me({ 'x-api-key': body.new_key.key_value })).statusCode).toBe(200);
  });

  it('rotates with a grace period: the old key works until it ends', async () => {
    const created = await createKey(analyst, { name: 'graceful' });
    const body = (await inject({ method: 'POST', url: `/v1/auth/api-keys/${created.id}/rotate`, headers: analyst.auth, payload: { grace_period_seconds: 2 } })).json();
    expect(body.old_key.is_active).toBe(true);
    expect((await me({ 'x-api-key': created.key_value })).statusCode).toBe(200);
    expect((await me({ 'x-api-key': body.new_key.key_value })).statusCode).toBe(200);
    await vi.waitFor(async () => expect((await me({ 'x-api-key': created.key_value })).statusCode).toBe(401), { timeout: 5_000, interval: 250 });
    expect((await me({ 'x-api-key': body.new_key.key_value })).statusCode).toBe(200);
  });

  it('revokes', async () => {
    const created = await createKey(analyst);
    expect((await me({ 'x-api-key': created.key_value })).statusCode).toBe(200);
    expect((await inject({ method: 'DELETE', url: `/v1/auth/api-keys/${created.id}`, headers: analyst.auth })).statusCode).toBe(204);
    expect((await me({ 'x-api-key': created.key_value })).statusCode).toBe(401);
  });

  it('expires', async () => {
    const created = await createKey(analyst, { name: 'short', expires_at: new Date(Date.now() + 1_500).toISOString() });
    expect((await me({ 'x-api-key': created.key_value })).statusCode).toBe(200);
    await vi.waitFor(async () => expect((await me({ 'x-api-key': created.key_value })).statusCode).toBe(401), { timeout: 5_000, interval: 250 });
    const past = await inject({ method: 'POST', url: '/v1/auth/api-keys', headers: analyst.auth, payload: { name: 'past', expires_at: '2020-01-01T00:00:00Z' } });
    expect(past.statusCode).toBe(400);
  });

  it('answers unknown, malformed, revoked and expired keys with the same 401', async () => {
    const revoked = await createKey(analyst);
    await inject({ method: 'DELETE', url: `/v1/auth/api-keys/${revoked.id}`, headers: analyst.auth });
    const candidates = [generateKey(), 'aur_live_short', `${generateKey().slice(0, -1)}x`, revoked.key_value, `aur_${'z'.repeat(300)}`];
    const bodies = new Set<string>();
    for (const key of candidates) {
      const response = await me({ 'x-api-key': key });
      expect(response.statusCode).toBe(401);
      const { code, message } = response.json().error;
      bodies.add(JSON.stringify({ code, message }));
    }
    expect([...bodies]).toEqual([JSON.stringify(INVALID)]);
  });

  it('counts usage in batches, without a write per request', async () => {
    const created = await createKey(analyst, { name: 'counted' });
    for (let i = 0; i < 5; i++) await me({ 'x-api-key': created.key_value });
    const before = await t.aureus.db.query<{ usage_count: number }>('SELECT usage_count FROM api_keys WHERE id = $1', [created.id]);
    expect(before.rows[0]?.usage_count).toBe(0);
    await t.aureus.modules.apiKeys.usage.flush();
    const after = await t.aureus.db.query<{ usage_count: number; last_used_at: Date }>('SELECT usage_count, last_used_at FROM api_keys WHERE id = $1', [created.id]);
    expect(after.rows[0]?.usage_count).toBe(5);
    expect(after.rows[0]?.last_used_at).toBeInstanceOf(Date);
  });

  it('stops working when its owner is disabled', async () => {
    const owner = await userWithRole(t, 'analyst');
    const created = await createKey(owner);
    expect((await me({ 'x-api-key': created.key_value })).statusCode).toBe(200);
    const admin = await userWithRole(t, 'admin');
    await inject({ method: 'PATCH', url: `/v1/admin/users/${owner.userId}`, headers: admin.auth, payload: { is_active: false } });
    expect((await me({ 'x-api-key': created.key_value })).statusCode).toBe(401);
    expect((await me(owner.auth)).statusCode).toBe(401);
  });

  it('records create, rotate and revoke in the audit trail', async () => {
    const { rows } = await t.aureus.db.query<{ event_type: string }>("SELECT DISTINCT event_type FROM audit_events WHERE event_type LIKE 'api_key.%'");
    expect(rows.map((r) => r.event_type).sort()).toEqual(['api_key.created', 'api_key.revoked', 'api_key.rotated']);
  });
});

describe('API key visibility (BOLA)', () => {
  it("hides another user's keys from a non-admin, and shows the organization's to its admin", async () => {
    const other = await userWithRole(t, 'analyst');
    const theirs = await createKey(other, { name: 'theirs' });
    for (const [method, url] of [['DELETE', `/v1/auth/api-keys/${theirs.id}`], ['POST', `/v1/auth/api-keys/${theirs.id}/rotate`]] as const) {
      const response = await inject({ method, url, headers: analyst.auth, payload: method === 'POST' ? {} : undefined });
      expect(response.statusCode).toBe(404);
      expect(response.json().error.code).toBe('RESOURCE_NOT_FOUND');
    }
    const mine = (await inject({ method: 'GET', url: '/v1/auth/api-keys?limit=100', headers: analyst.auth })).json();
    expect(mine.api_keys.map((k: { id: string }) => k.id)).not.toContain(theirs.id);
    const admin = await userWithRole(t, 'admin');
    const all = (await inject({ method: 'GET', url: '/v1/auth/api-keys?limit=100', headers: admin.auth })).json();
    expect(all.api_keys.map((k: { id: string }) => k.id)).toContain(theirs.id);
  });

  it("hides another organization's keys even from its admin", async () => {
    const { admin: foreignAdmin } = await otherOrganization(t);
    const theirs = await createKey(foreignAdmin, { name: 'foreign' });
    const admin = await userWithRole(t, 'admin');
    const response = await inject({ method: 'DELETE', url: `/v1/auth/api-keys/${theirs.id}`, headers: admin.auth });
    expect(response.statusCode).toBe(404);
    const all = (await inject({ method: 'GET', url: '/v1/auth/api-keys?limit=100', headers: admin.auth })).json();
    expect(all.api_keys.map((k: { id: string }) => k.id)).not.toContain(theirs.id);
  });

  it('paginates with a cursor', async () => {
    const s = await userWithRole(t, 'viewer');
    for (let i = 0; i < 3; i++) await createKey(s, { name: `k${i}` });
    const first = (await inject({ method: 'GET', url: '/v1/auth/api-keys?limit=2', headers: s.auth })).json();
    expect(first.api_keys).toHaveLength(2);
    const second = (await inject({ method: 'GET', url: `/v1/auth/api-keys?limit=2&cursor=${first.next_cursor}`, headers: s.auth })).json();
    expect(second.api_keys.map((k: { name: string }) => k.name)).toEqual(['k2']);
    expect(second.next_cursor).toBeNull();
    expect((await inject({ method: 'GET', url: '/v1/auth/api-keys?limit=101', headers: s.auth })).statusCode).toBe(400);
    expect((await inject({ method: 'GET', url: '/v1/auth/api-keys?cursor=garbage', headers: s.auth })).statusCode).toBe(400);
  });
});
