import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, createTestApp } from '../harness/app.js';
import { type TestDb, createTestDb } from '../harness/db.js';

const cli = { userId: null, organizationId: null, via: 'cli' as const };
let shared: TestDb;
let a: TestApp;
let b: TestApp;

function addQueryRoute(t: TestApp) {
  t.aureus.server.get('/v1/test/query', { config: { auth: 'public' } }, async () => ({ rows: [] }));
}

beforeAll(async () => {
  shared = await createTestDb();
  a = await createTestApp({ db: shared, vars: { KILL_SWITCH_POLL_MS: '200' } });
  b = await createTestApp({ db: shared, vars: { KILL_SWITCH_POLL_MS: '200' } });
  addQueryRoute(a);
  addQueryRoute(b);
});
afterAll(async () => {
  await a.close();
  await b.close();
  await shared.close();
});

describe('kill switch', () => {
  it('turned on at one instance, refuses work at another within a second', async () => {
    expect((await b.aureus.server.inject({ method: 'GET', url: '/v1/test/query' })).statusCode).toBe(200);
    const started = Date.now();
    await a.aureus.modules.admin.service.killSwitch.set(true, cli, 'incident 42');
    let response = await b.aureus.server.inject({ method: 'GET', url: '/v1/test/query' });
    while (response.statusCode === 200 && Date.now() - started < 2_000) {
      await new Promise((r) => setTimeout(r, 25));
      response = await b.aureus.server.inject({ method: 'GET', url: '/v1/test/query' });
    }
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(response.statusCode).toBe(503);
    expect(response.json().error).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(response.headers['retry-after']).toBe('30');
  });

  it('keeps health and metrics answering, and reports not ready', async () => {
    expect((await b.aureus.server.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    expect((await b.aureus.server.inject({ method: 'GET', url: '/metrics' })).body).toContain('aureus_kill_switch_on 1');
    const ready = await b.aureus.server.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ status: 'not_ready', reason: 'kill switch is on' });
  });

  it('survives a restart', async () => {
    const c = await createTestApp({ db: shared });
    try {
      expect(c.aureus.modules.admin.service.killSwitch.state()).toMatchObject({ on: true, reason: 'incident 42', forced: false });
    } finally {
      await c.close();
    }
  });

  it('is audited', async () => {
    const { rows } = await shared.db.query<{ details: unknown; outcome: string }>(
      "SELECT details, outcome FROM audit_events WHERE event_type = 'kill_switch.changed' ORDER BY created_at",
    );
    expect(rows).toEqual([{ details: { on: true, reason: 'incident 42', via: 'cli' }, outcome: 'success' }]);
  });

  it('turned off, lets work through again everywhere', async () => {
    await b.aureus.modules.admin.service.killSwitch.set(false, cli);
    await new Promise((r) => setTimeout(r, 400));
    expect((await a.aureus.server.inject({ method: 'GET', url: '/v1/test/query' })).statusCode).toBe(200);
    expect((await b.aureus.server.inject({ method: 'GET', url: '/v1/test/query' })).statusCode).toBe(200);
  });

  it('forced by KILL_SWITCH=true cannot be turned off from inside', async () => {
    const forced = await createTestApp({ db: shared, vars: { KILL_SWITCH: 'true' } });
    try {
      addQueryRoute(forced);
      expect((await forced.aureus.server.inject({ method: 'GET', url: '/v1/test/query' })).statusCode).toBe(503);
      await expect(forced.aureus.modules.admin.service.killSwitch.set(false, cli)).rejects.toMatchObject({ code: 'CONFLICT' });
    } finally {
      await forced.close();
    }
  });
});
