import type { InjectOptions } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { configFrom } from '../../src/config/index.js';
import { reservationHoldMs } from '../../src/modules/traffic/index.js';
import { ADMIN, type TestApp, createTestApp } from '../harness/app.js';
import { type Session, loginAdmin, otherOrganization, userWithRole } from '../harness/identity.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** An app with the real defaults except what a test sets. */
async function appWith(vars: Record<string, string> = {}) {
  t = await createTestApp({
    vars: {
      RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_AUTH_PER_MINUTE: '1000', RATE_LIMIT_ASK_PER_MINUTE: '10', RATE_LIMIT_LOGIN_ATTEMPTS: '1000',
      RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '1000', TRUSTED_PROXIES: '127.0.0.1', ...vars,
    },
  });
  return t;
}
const inject = (options: InjectOptions) => (t as TestApp).aureus.server.inject(options);
const me = (s: Session, extra: Record<string, string> = {}) => inject({ method: 'GET', url: '/v1/auth/me', headers: { ...s.auth, ...extra } });

describe('rate-limit headers', () => {
  it('advertises every window and the binding one on a 200', async () => {
    await appWith({ RATE_LIMIT_PER_MINUTE: '5' });
    const s = await userWithRole(t as TestApp, 'viewer');
    const response = await inject({ method: 'GET', url: '/v1/admin/users', headers: s.auth });
    expect(response.statusCode).toBe(403);
    const ok = await inject({ method: 'GET', url: '/v1/auth/api-keys', headers: s.auth });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['ratelimit-policy']).toBe('"auth";q=1000;w=60, "minute";q=500;w=60, "hour";q=10000;w=3600, "day";q=100000;w=86400, "month";q=3000000;w=2592000');
    expect(ok.headers['x-ratelimit-limit']).toBe('500');
    expect(Number(ok.headers['x-ratelimit-remaining'])).toBeLessThan(500);
    expect(Number(ok.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000);
    expect(ok.headers.ratelimit).toMatch(/^"minute";r=\d+;t=\d+$/);
  });

  it('leaves health, metrics and docs unlimited and without headers', async () => {
    await appWith({ RATE_LIMIT_PER_MINUTE: '1' });
    for (let i = 0; i < 3; i++) {
      for (const url of ['/health/live', '/metrics', '/openapi.json']) {
        const response = await inject({ method: 'GET', url });
        expect(response.statusCode).toBe(200);
        expect(response.headers['ratelimit-policy']).toBeUndefined();
      }
    }
  });
});

describe('429 answers', () => {
  it('answers over the route limit with the exact body, headers and one deduplicated security event', async () => {
    await appWith({ RATE_LIMIT_PER_MINUTE: '3' });
    const s = await userWithRole(t as TestApp, 'analyst');
    const statuses = [];
    let last;
    for (let i = 0; i < 6; i++) {
      last = await inject({ method: 'GET', url: '/v1/datasets-none', headers: s.auth });
      statuses.push(last.statusCode);
    }
    expect(statuses).toEqual([404, 404, 404, 429, 429, 429]);
    const body = last?.json();
    expect(body).toEqual({
      error: {
        code: 'RATE_LIMIT_EXCEEDED',
        message: 'Rate limit exceeded: 3 requests per minute (route).',
        request_id: last?.headers['x-request-id'],
        details: { limit: 3, window: 'route', retry_after: Number(last?.headers['retry-after']) },
      },
    });
    expect(Number(last?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(last?.headers['retry-after'])).toBeLessThanOrEqual(61);
    expect(last?.headers['x-ratelimit-remaining']).toBe('0');
    const { rows } = await (t as TestApp).aureus.db.query<{ detail: Record<string, unknown>; severity: string }>("SELECT detail, severity FROM security_events WHERE event_type = 'rate_limit'");
    // Unknown paths have no route and so no authentication: they count against the address.
    expect(rows).toEqual([{ severity: 'medium', detail: expect.objectContaining({ caller: 'ip:127.0.0.1', window: 'route', limit: 3 }) }]);
  });

  it('names the hour window when the minute is fine but the hour is spent', async () => {
    await appWith();
    const admin = await loginAdmin(t as TestApp);
    expect((await inject({ method: 'PATCH', url: '/v1/admin/limits', headers: admin.auth, payload: { per_hour: 4 } })).json()).toMatchObject({ per_minute: 500, per_hour: 4 });
    const s = await userWithRole(t as TestApp, 'viewer');
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await me(s)).statusCode);
    const refused = await me(s);
    expect(codes.filter((c) => c === 200).length).toBeGreaterThan(0);
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.details.window).toBe('hour');
  });

  it('answers a spent daily quota with QUOTA_EXCEEDED and when it resets', async () => {
    await appWith();
    const admin = await loginAdmin(t as TestApp);
    await inject({ method: 'PATCH', url: '/v1/admin/limits', headers: admin.auth, payload: { quota_day: 3 } });
    let last;
    for (let i = 0; i < 4; i++) last = await me(admin);
    expect(last?.statusCode).toBe(429);
    const error = last?.json().error;
    expect(error).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { quota: 'day', limit: 3 } });
    expect(Date.parse(error.details.resets_at)).toBeGreaterThan(Date.now());
    expect(error.message).toBe("The organization's daily request quota of 3 is used up.");
  });

  it("limits an API key by its own override, and another organization's key is 404", async () => {
    await appWith();
    const admin = await loginAdmin(t as TestApp);
    const key = (await inject({ method: 'POST', url: '/v1/auth/api-keys', headers: admin.auth, payload: { name: 'agent' } })).json();
    expect((await inject({ method: 'PATCH', url: `/v1/admin/api-keys/${key.id}/limits`, headers: admin.auth, payload: { per_minute: 2 } })).statusCode).toBe(200);
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await inject({ method: 'GET', url: '/v1/auth/me', headers: { 'x-api-key': key.key_value } })).statusCode);
    expect(codes).toEqual([200, 200, 429]);
    const { admin: foreign } = await otherOrganization(t as TestApp);
    const theirs = (await inject({ method: 'POST', url: '/v1/auth/api-keys', headers: foreign.auth, payload: { name: 'x' } })).json();
    expect((await inject({ method: 'PATCH', url: `/v1/admin/api-keys/${theirs.id}/limits`, headers: admin.auth, payload: { per_minute: 1 } })).statusCode).toBe(404);
  });
});

describe('identity of the caller', () => {
  it('counts /v1/auth/* per client address, from X-Forwarded-For only through a trusted proxy', async () => {
    await appWith({ RATE_LIMIT_AUTH_PER_MINUTE: '2' });
    const attempt = (ip: string) => inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'x@y.example', password: 'whatever-pass' }, headers: { 'x-forwarded-for': ip } });
    expect([(await attempt('203.0.113.1')).statusCode, (await attempt('203.0.113.1')).statusCode, (await attempt('203.0.113.1')).statusCode]).toEqual([401, 401, 429]);
    expect((await attempt('203.0.113.2')).statusCode).toBe(401);
  });

  it('ignores a spoofed X-Forwarded-For when no proxy is trusted', async () => {
    await appWith({ RATE_LIMIT_AUTH_PER_MINUTE: '2', TRUSTED_PROXIES: '' });
    const attempt = (ip: string) => inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'x@y.example', password: 'whatever-pass' }, headers: { 'x-forwarded-for': ip } });
    const codes = [(await attempt('198.51.100.1')).statusCode, (await attempt('198.51.100.2')).statusCode, (await attempt('198.51.100.3')).statusCode];
    expect(codes).toEqual([401, 401, 429]);
  });

  it('limits sign-in attempts per account across addresses', async () => {
    await appWith({ RATE_LIMIT_LOGIN_ATTEMPTS: '3' });
    const codes = [];
    for (let i = 0; i < 4; i++) {
      codes.push((await inject({ method: 'POST', url: '/v1/auth/login', payload: { email: ADMIN.email, password: `guess-${i}-abcdef` }, headers: { 'x-forwarded-for': `192.0.2.${i}` } })).statusCode);
    }
    expect(codes).toEqual([401, 401, 401, 429]);
    const right = await inject({ method: 'POST', url: '/v1/auth/login', payload: { email: ADMIN.email, password: ADMIN.password } });
    expect(right.statusCode).toBe(429);
  });

  it('limits rejected credentials per client address', async () => {
    await appWith({ RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '3' });
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await inject({ method: 'GET', url: '/v1/auth/me', headers: { 'x-api-key': `aur_live_${'x'.repeat(38)}` } })).statusCode);
    expect(codes).toEqual([401, 401, 401, 429, 429]);
  });
});

describe('LLM budgets', () => {
  it('reserves, refuses over budget with QUOTA_EXCEEDED, settles, shows usage, and resets monthly', async () => {
    await appWith();
    const admin = await loginAdmin(t as TestApp);
    const analyst = await userWithRole(t as TestApp, 'analyst');
    expect((await inject({ method: 'PUT', url: '/v1/admin/budgets', headers: admin.auth, payload: { monthly_tokens: 1000, monthly_cost_micros: null } })).statusCode).toBe(204);
    expect((await inject({ method: 'PUT', url: '/v1/admin/budgets', headers: admin.auth, payload: { user_id: analyst.userId, monthly_tokens: 300, monthly_cost_micros: 5_000 } })).statusCode).toBe(204);
    const { budgets } = (t as TestApp).aureus.modules.traffic;
    const principal = await (t as TestApp).aureus.modules.identity.sessions.authenticate(analyst.accessToken);
    const r1 = await budgets.reserve(principal, { tokens: 200, costMicros: 1_000 });
    await expect(budgets.reserve(principal, { tokens: 200, costMicros: 1_000 })).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED', details: expect.objectContaining({ budget: 'user' }) });
    await budgets.settle(principal, r1, { tokens: 120, costMicros: 800 });
    await budgets.reserve(principal, { tokens: 150, costMicros: 100 });
    const usage = (await inject({ method: 'GET', url: '/v1/admin/usage', headers: admin.auth })).json();
    expect(usage.tier).toBe('enterprise');
    expect(usage.llm.usage).toEqual([
      { user_id: null, tokens: 120, cost_micros: 800 },
      { user_id: analyst.userId, tokens: 120, cost_micros: 800 },
    ]);
    const next = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() + 1, 1, 0, 5));
    expect(await budgets.resetMonthly(next)).toBe(2);
    const { rows } = await (t as TestApp).aureus.db.query("SELECT count(*)::int AS n FROM audit_events WHERE event_type = 'budget.monthly_reset'");
    expect(rows[0]).toEqual({ n: 1 });
  });

  /** A fresh app with an analyst whose own monthly budget is `tokens` (the organization has none). */
  async function analystWithBudget(tokens: number) {
    await appWith();
    const admin = await loginAdmin(t as TestApp);
    const analyst = await userWithRole(t as TestApp, 'analyst');
    await inject({ method: 'PUT', url: '/v1/admin/budgets', headers: admin.auth, payload: { user_id: analyst.userId, monthly_tokens: tokens, monthly_cost_micros: null } });
    const { budgets } = (t as TestApp).aureus.modules.traffic;
    return { analyst, budgets, db: (t as TestApp).aureus.db, spender: { organizationId: analyst.organizationId, userId: analyst.userId } };
  }

  it('releases a reservation whose call died once it expires, exactly once, even when the call settles late', async () => {
    const { analyst, budgets, db, spender } = await analystWithBudget(300);
    const reserved = async () =>
      (await db.query<{ t: string }>('SELECT reserved_tokens AS t FROM llm_usage WHERE user_id = $1', [analyst.userId])).rows.map((r) => Number(r.t));

    // The call's process dies after reserving: the reservation holds the budget…
    const stranded = await budgets.reserve(spender, { tokens: 250, costMicros: 0 });
    await expect(budgets.reserve(spender, { tokens: 100, costMicros: 0 })).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' });
    expect(await budgets.sweep()).toBe(0);
    // …until its hold runs out (rewound here instead of waiting).
    await db.query("UPDATE llm_reservations SET expires_at = now() - interval '1 second' WHERE id = $1", [stranded.id]);
    expect(await budgets.sweep()).toBe(1);
    expect(await budgets.sweep()).toBe(0);
    expect(await reserved()).toEqual([0]);
    const next = await budgets.reserve(spender, { tokens: 100, costMicros: 0 });
    expect(await reserved()).toEqual([100]);

    // The first call settles after all: its spend counts, its reservation is not released twice.
    await budgets.settle(spender, stranded, { tokens: 40, costMicros: 0 });
    expect(await reserved()).toEqual([100]);
    await budgets.settle(spender, next, { tokens: 60, costMicros: 0 });
    const { rows } = await db.query<{ tokens: string; reserved_tokens: string }>('SELECT tokens, reserved_tokens FROM llm_usage WHERE user_id = $1', [analyst.userId]);
    expect(rows.map((r) => [Number(r.tokens), Number(r.reserved_tokens)])).toEqual([[100, 0]]);
    expect((await db.query('SELECT 1 FROM llm_reservations WHERE user_id = $1', [analyst.userId])).rows).toEqual([]);
    const events = await db.query<{ organization_id: string; details: { released: number } }>("SELECT organization_id, details FROM audit_events WHERE event_type = 'budget.reservations_released'");
    expect(events.rows.map((r) => [r.organization_id, r.details.released])).toEqual([[analyst.organizationId, 1]]);
  });

  it('never deadlocks when calls of a user with a budget of their own reserve and settle at once, and counts every call', async () => {
    // Only the user has a budget: the organization's row is locked and updated all the same.
    const { analyst, budgets, db, spender } = await analystWithBudget(1_000_000);
    const calls = async () => {
      for (let i = 0; i < 5; i++) await budgets.settle(spender, await budgets.reserve(spender, { tokens: 100, costMicros: 0 }), { tokens: 7, costMicros: 0 });
    };
    const results = await Promise.allSettled(Array.from({ length: 12 }, calls));
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    const { rows } = await db.query<{ user_id: string | null; tokens: string; reserved_tokens: string }>(
      'SELECT user_id, tokens, reserved_tokens FROM llm_usage WHERE organization_id = $1 ORDER BY user_id NULLS FIRST',
      [analyst.organizationId],
    );
    expect(rows.map((r) => [r.user_id, Number(r.tokens), Number(r.reserved_tokens)])).toEqual([[null, 420, 0], [analyst.userId, 420, 0]]);
  });

  it('holds a reservation as long as a call can legitimately take, and no longer', () => {
    const vars = { LLM_MODEL: 'm', OPENAI_BASE_URL: 'http://127.0.0.1:1/v1', LLM_TIMEOUT_MS: '20000', LLM_MAX_RETRIES: '2', LLM_RETRY_AFTER_MAX_MS: '5000' };
    expect(reservationHoldMs(configFrom({ ENVIRONMENT: 'test', ...vars }))).toBe(20_000 * 3 + 8_000 * 2 + 60_000);
    expect(reservationHoldMs(configFrom({ ENVIRONMENT: 'test', ...vars, LLM_RETRY_AFTER_MAX_MS: '30000' }))).toBe(20_000 * 3 + 30_000 * 2 + 60_000);
    expect(reservationHoldMs(configFrom({ ENVIRONMENT: 'test' }))).toBe(15 * 60_000);
  });

  it('lets concurrent reservations spend a budget exactly once, and records unbudgeted spend without reserving', async () => {
    await appWith();
    const admin = await loginAdmin(t as TestApp);
    const [limited, free] = [await userWithRole(t as TestApp, 'analyst'), await userWithRole(t as TestApp, 'analyst')];
    await inject({ method: 'PUT', url: '/v1/admin/budgets', headers: admin.auth, payload: { user_id: limited.userId, monthly_tokens: 1000, monthly_cost_micros: null } });
    const { budgets } = (t as TestApp).aureus.modules.traffic;
    const spender = { organizationId: limited.organizationId, userId: limited.userId };
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => budgets.reserve(spender, { tokens: 200, costMicros: 0 })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason.code === 'QUOTA_EXCEEDED')).toBe(true);

    const open = await budgets.reserve({ organizationId: free.organizationId, userId: free.userId }, { tokens: 500, costMicros: 10 });
    expect(open.estimate).toEqual({ tokens: 0, costMicros: 0 });
    await budgets.settle({ organizationId: free.organizationId, userId: free.userId }, open, { tokens: 70, costMicros: 3 });
    const { rows } = await (t as TestApp).aureus.db.query<{ tokens: string; reserved_tokens: string }>('SELECT tokens, reserved_tokens FROM llm_usage WHERE user_id = $1', [free.userId]);
    expect(rows.map((r) => [Number(r.tokens), Number(r.reserved_tokens)])).toEqual([[70, 0]]);
  });
});
