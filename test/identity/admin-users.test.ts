import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, createTestApp } from '../harness/app.js';
import { type Session, login, loginAdmin, otherOrganization, userWithRole } from '../harness/identity.js';

let t: TestApp;
let admin: Session;
beforeAll(async () => {
  t = await createTestApp();
  admin = await loginAdmin(t);
});
afterAll(() => t.close());

const inject = (options: InjectOptions) => t.aureus.server.inject(options);

describe('admin: users', () => {
  it('creates a user with a chosen password, who can then sign in', async () => {
    const response = await inject({ method: 'POST', url: '/v1/admin/users', headers: admin.auth, payload: { email: 'Ana@Bank.example', role: 'analyst', team: 'risk', password: 'a-long-unusual-passphrase' } });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({ user: expect.objectContaining({ email: 'Ana@Bank.example', role: 'analyst', team: 'risk', is_active: true }) });
    await login(t, 'ana@bank.example', 'a-long-unusual-passphrase');
    const duplicate = await inject({ method: 'POST', url: '/v1/admin/users', headers: admin.auth, payload: { email: 'ana@bank.example', role: 'viewer' } });
    expect(duplicate.statusCode).toBe(409);
  });

  it('generates a password when none is given, returned once', async () => {
    const response = await inject({ method: 'POST', url: '/v1/admin/users', headers: admin.auth, payload: { email: 'gen@bank.example', role: 'viewer' } });
    const { password } = response.json();
    expect(password).toMatch(/^[A-Za-z0-9]{20}$/);
    await login(t, 'gen@bank.example', password);
  });

  it.each([
    ['too short', 'short12', 'must be at least 8 characters'],
    ['too long', 'x'.repeat(129), 'must be at most 128 characters'],
    ['too common', 'password123', 'is one of the most common passwords'],
    ['too common, any case', 'Iloveyou1', 'is one of the most common passwords'],
  ])('refuses a password that is %s', async (_name, password, message) => {
    const response = await inject({ method: 'POST', url: '/v1/admin/users', headers: admin.auth, payload: { email: `p${password.length}${_name.length}@bank.example`, role: 'viewer', password } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toContain(message);
  });

  it('accepts any characters, without composition rules', async () => {
    const response = await inject({ method: 'POST', url: '/v1/admin/users', headers: admin.auth, payload: { email: 'unicode@bank.example', role: 'viewer', password: 'ünïcødé pässwörd ✓' } });
    expect(response.statusCode).toBe(201);
    await login(t, 'unicode@bank.example', 'ünïcødé pässwörd ✓');
  });

  it('lists the organization with cursor pagination', async () => {
    const first = (await inject({ method: 'GET', url: '/v1/admin/users?limit=2', headers: admin.auth })).json();
    expect(first.users).toHaveLength(2);
    expect(first.next_cursor).toEqual(expect.any(String));
    const rest = (await inject({ method: 'GET', url: `/v1/admin/users?limit=100&cursor=${first.next_cursor}`, headers: admin.auth })).json();
    const ids = [...first.users, ...rest.users].map((u: { id: string }) => u.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(rest.next_cursor).toBeNull();
  });

  it('changes role and team, ending the old sessions so the new role applies at once', async () => {
    const s = await userWithRole(t, 'viewer');
    const response = await inject({ method: 'PATCH', url: `/v1/admin/users/${s.userId}`, headers: admin.auth, payload: { role: 'approver', team: 'credit' } });
    expect(response.json()).toMatchObject({ role: 'approver', team: 'credit' });
    expect((await inject({ method: 'GET', url: '/v1/auth/me', headers: s.auth })).statusCode).toBe(401);
    const again = await login(t, s.email, s.password);
    expect((await inject({ method: 'GET', url: '/v1/auth/me', headers: again.auth })).json()).toMatchObject({ role: 'approver', team: 'credit' });
    const { rows } = await t.aureus.db.query<{ details: { before: { role: string } } }>("SELECT details FROM audit_events WHERE event_type = 'user.role_changed' AND resource_id = $1", [s.userId]);
    expect(rows[0]?.details.before.role).toBe('viewer');
  });

  it('disables and enables', async () => {
    const s = await userWithRole(t, 'analyst');
    await inject({ method: 'PATCH', url: `/v1/admin/users/${s.userId}`, headers: admin.auth, payload: { is_active: false } });
    expect((await inject({ method: 'GET', url: '/v1/auth/me', headers: s.auth })).statusCode).toBe(401);
    expect((await inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: s.refreshToken } })).statusCode).toBe(401);
    expect((await inject({ method: 'POST', url: '/v1/auth/login', payload: { email: s.email, password: s.password } })).statusCode).toBe(401);
    await inject({ method: 'PATCH', url: `/v1/admin/users/${s.userId}`, headers: admin.auth, payload: { is_active: true } });
    await login(t, s.email, s.password);
  });

  it('refuses to let an admin disable or demote themselves', async () => {
    const response = await inject({ method: 'PATCH', url: `/v1/admin/users/${admin.userId}`, headers: admin.auth, payload: { is_active: false } });
    expect(response.statusCode).toBe(409);
  });

  it("answers another organization's user with 404", async () => {
    const { admin: foreign } = await otherOrganization(t);
    for (const [method, payload] of [['GET', undefined], ['PATCH', { role: 'viewer' }]] as const) {
      const response = await inject({ method, url: `/v1/admin/users/${foreign.userId}`, headers: admin.auth, ...(payload ? { payload } : {}) });
      expect(response.statusCode).toBe(404);
    }
    const list = (await inject({ method: 'GET', url: '/v1/admin/users?limit=100', headers: admin.auth })).json();
    expect(list.users.map((u: { id: string }) => u.id)).not.toContain(foreign.userId);
  });
});

describe('admin: operations over HTTP', () => {
  it('turns the kill switch on and off, audited with the admin', async () => {
    const on = await inject({ method: 'POST', url: '/v1/admin/kill-switch', headers: admin.auth, payload: { reason: 'drill' } });
    expect(on.json()).toMatchObject({ on: true, reason: 'drill', changed_by: admin.userId });
    expect((await inject({ method: 'GET', url: '/v1/admin/users', headers: admin.auth })).statusCode).toBe(200);
    const off = await inject({ method: 'DELETE', url: '/v1/admin/kill-switch', headers: admin.auth });
    expect(off.json()).toMatchObject({ on: false });
    const { rows } = await t.aureus.db.query<{ user_id: string }>("SELECT user_id FROM audit_events WHERE event_type = 'kill_switch.changed'");
    expect(rows.map((r) => r.user_id)).toEqual([admin.userId, admin.userId]);
  });

  it('changes the log level at runtime', async () => {
    const response = await inject({ method: 'PATCH', url: '/v1/admin/logging/level', headers: admin.auth, payload: { level: 'warn' } });
    expect(response.json()).toEqual({ level: 'warn', previous: 'debug' });
    expect(t.aureus.logging.level()).toBe('warn');
    const bad = await inject({ method: 'PATCH', url: '/v1/admin/logging/level', headers: admin.auth, payload: { level: 'loud' } });
    expect(bad.statusCode).toBe(400);
  });
});
