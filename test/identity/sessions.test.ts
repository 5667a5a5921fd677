import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, type TestApp, createTestApp } from '../harness/app.js';
import { login, loginAdmin, userWithRole } from '../harness/identity.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ vars: { CORS_ORIGINS: 'https://console.example.com' } });
});
afterAll(() => t.close());

const inject = (options: InjectOptions) => t.aureus.server.inject(options);

describe('login', () => {
  it('returns an access token, a refresh token, the user, and an httpOnly SameSite=Strict cookie', async () => {
    const response = await inject({ method: 'POST', url: '/v1/auth/login', payload: { email: ADMIN.email.toUpperCase(), password: ADMIN.password } });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ token_type: 'bearer', expires_in: 3600, user: { email: ADMIN.email, role: 'admin', is_active: true } });
    expect(body.access_token.split('.')).toHaveLength(3);
    expect(Buffer.from(body.refresh_token, 'base64url').length).toBeGreaterThanOrEqual(16);
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(/^aureus_refresh=/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/v1/auth');
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('answers unknown email, wrong password and disabled account identically, and records each', async () => {
    const disabled = await userWithRole(t, 'analyst');
    const admin = await loginAdmin(t);
    await inject({ method: 'PATCH', url: `/v1/admin/users/${disabled.userId}`, headers: admin.auth, payload: { is_active: false } });
    const attempts = [
      { email: 'nobody@test.aureus', password: 'whatever-password-1' },
      { email: ADMIN.email, password: 'not-the-password-1' },
      { email: disabled.email, password: disabled.password },
    ];
    const bodies = [];
    for (const payload of attempts) {
      const response = await inject({ method: 'POST', url: '/v1/auth/login', payload });
      expect(response.statusCode).toBe(401);
      const { error } = response.json();
      bodies.push({ code: error.code, message: error.message });
    }
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    const { rows } = await t.aureus.db.query<{ detail: { reason: string } }>("SELECT detail FROM security_events WHERE event_type = 'auth_failure' ORDER BY created_at");
    expect(rows.slice(-3).map((r) => r.detail.reason)).toEqual(['unknown_account', 'wrong_password', 'disabled']);
  });

  it('takes about as long for an unknown email as for a wrong password', async () => {
    const time = async (email: string) => {
      const started = performance.now();
      await inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password: 'timing-probe-password' } });
      return performance.now() - started;
    };
    const unknown: number[] = [];
    const known: number[] = [];
    for (let i = 0; i < 6; i++) {
      unknown.push(await time(`ghost${i}@test.aureus`));
      known.push(await time(ADMIN.email));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    const ratio = median(unknown) / median(known);
    // Both sides run one argon2id verification; a missing one would make the ratio ~0.01.
    expect(ratio).toBeGreaterThan(0.3);
    expect(ratio).toBeLessThan(3.5);
  });

  it('validates the body', async () => {
    const response = await inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'not-an-email', password: '' } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.details.fields.map((f: { path: string }) => f.path).sort()).toEqual(['body/email', 'body/password']);
  });
});

describe('refresh', () => {
  it('rotates: a new pair, and the old refresh token stops working', async () => {
    const s = await userWithRole(t, 'analyst');
    const first = await inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: s.refreshToken } });
    expect(first.statusCode).toBe(200);
    const next = first.json();
    expect(next.refresh_token).not.toBe(s.refreshToken);
    expect((await inject({ method: 'GET', url: '/v1/auth/me', headers: { authorization: `Bearer ${next.access_token}` } })).statusCode).toBe(200);
    const again = await inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: s.refreshToken } });
    expect(again.statusCode).toBe(401);
  });

  it('revokes the whole family when a rotated token is presented again, and records it', async () => {
    const s = await userWithRole(t, 'analyst');
    const rotated = (await inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: s.refreshToken } })).json();
    expect((await inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: s.refreshToken } })).statusCode).toBe(401);
    // The legitimate holder's newer token is dead too: the family is gone.
    expect((await inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: rotated.refresh_token } })).statusCode).toBe(401);
    const { rows } = await t.aureus.db.query<{ user_id: string; severity: string }>("SELECT user_id, severity FROM security_events WHERE event_type = 'refresh_token_reuse'");
    expect(rows).toContainEqual({ user_id: s.userId, severity: 'high' });
  });

  it('never yields two valid families from one token refreshed in parallel', async () => {
    const s = await userWithRole(t, 'analyst');
    const results = await Promise.all([1, 2, 3].map(() => inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: s.refreshToken } })));
    const issued = results.filter((r) => r.statusCode === 200).map((r) => r.json().refresh_token as string);
    expect(issued.length).toBeLessThanOrEqual(1);
    const stillValid = [];
    for (const token of issued) {
      if ((await inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: token } })).statusCode === 200) stillValid.push(token);
    }
    expect(stillValid.length).toBeLessThanOrEqual(1);
  });

  it('accepts the cookie only from an allowed origin (CSRF)', async () => {
    const s = await userWithRole(t, 'viewer');
    const cookie = `aureus_refresh=${s.refreshToken}`;
    const noOrigin = await inject({ method: 'POST', url: '/v1/auth/refresh', headers: { cookie }, payload: {} });
    expect(noOrigin.statusCode).toBe(403);
    const evil = await inject({ method: 'POST', url: '/v1/auth/refresh', headers: { cookie, origin: 'https://evil.example.net' }, payload: {} });
    expect(evil.statusCode).toBe(403);
    const ok = await inject({ method: 'POST', url: '/v1/auth/refresh', headers: { cookie, origin: 'https://console.example.com' }, payload: {} });
    expect(ok.statusCode).toBe(200);
  });
});

describe('logout and me', () => {
  it('returns the caller', async () => {
    const s = await userWithRole(t, 'approver', { team: 'risk' });
    const me = await inject({ method: 'GET', url: '/v1/auth/me', headers: s.auth });
    expect(me.json()).toMatchObject({ id: s.userId, role: 'approver', team: 'risk', email: s.email });
  });

  it('makes the access token and the refresh family unusable at once', async () => {
    const s = await userWithRole(t, 'analyst');
    expect((await inject({ method: 'POST', url: '/v1/auth/logout', headers: s.auth })).statusCode).toBe(204);
    const me = await inject({ method: 'GET', url: '/v1/auth/me', headers: s.auth });
    expect(me.statusCode).toBe(401);
    expect((await inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: s.refreshToken } })).statusCode).toBe(401);
    const again = await login(t, s.email, s.password);
    expect((await inject({ method: 'GET', url: '/v1/auth/me', headers: again.auth })).statusCode).toBe(200);
  });

  it('answers 401 without credentials and names what is needed', async () => {
    const response = await inject({ method: 'GET', url: '/v1/auth/me' });
    expect(response.statusCode).toBe(401);
    expect(response.json().error).toMatchObject({ code: 'AUTHENTICATION_FAILED', message: 'Authentication is required (a bearer access token or an API key).' });
  });
});

describe('audit', () => {
  it('records login, refresh, reuse and logout as events in their transactions', async () => {
    const { rows } = await t.aureus.db.query<{ event_type: string }>('SELECT DISTINCT event_type FROM audit_events');
    expect(rows.map((r) => r.event_type)).toEqual(expect.arrayContaining(['auth.login', 'auth.refresh', 'auth.refresh_reuse', 'auth.logout', 'user.created', 'user.disabled']));
  });
});
