// The audit API through the app: trail scoping per role, filters and pagination, security events,
// single events with proofs checked offline, checkpoints, verification, kill switch, ops.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCheckpointConsistency, verifyEventInclusion } from '../../src/modules/audit/verifier.js';
import { type TestApp, createTestApp } from '../harness/app.js';
import { type Session, loginAdmin, otherOrganization, userWithRole } from '../harness/identity.js';

let t: TestApp;
let admin: Session;
let approver: Session;
let analystRisk: Session;
let analystOps: Session;
let viewer: Session;
let stranger: Session;
beforeAll(async () => {
  t = await createTestApp({ vars: { DATA_DIR: mkdtempSync(join(tmpdir(), 'aureus-audit-routes-')) } });
  admin = await loginAdmin(t);
  approver = await userWithRole(t, 'approver', { team: 'risk' });
  analystRisk = await userWithRole(t, 'analyst', { team: 'risk' });
  analystOps = await userWithRole(t, 'analyst', { team: 'ops' });
  viewer = await userWithRole(t, 'viewer');
  stranger = (await otherOrganization(t)).admin;
  for (const s of [analystRisk, analystOps]) await inject({ method: 'POST', url: '/v1/auth/api-keys', headers: s.auth, payload: { name: 'etl' } });
  await inject({ method: 'POST', url: '/v1/auth/login', payload: { email: analystOps.email, password: 'wrong-password-1' } });
  await t.aureus.modules.audit.sealer.flush();
});
afterAll(() => t.close());

const inject = (options: InjectOptions) => t.aureus.server.inject(options);
const get = async (url: string, s?: Session) => inject({ method: 'GET', url, ...(s ? { headers: s.auth } : {}) });
const trailOf = async (s: Session, query = '') => {
  const response = await get(`/v1/audit/trail${query}`, s);
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as { events: { event_id: string; user_id: string | null; event_type: string; seq: number | null; request_id: string | null }[]; total: number; page: number; page_size: number };
};
const usersIn = (page: Awaited<ReturnType<typeof trailOf>>) => new Set(page.events.map((e) => e.user_id));

describe('GET /v1/audit/trail', () => {
  it('scopes by role: own for analysts and viewers, team for approvers, the whole organization for admins', async () => {
    expect(usersIn(await trailOf(analystRisk))).toEqual(new Set([analystRisk.userId]));
    expect(usersIn(await trailOf(viewer))).toEqual(new Set([viewer.userId]));
    expect(usersIn(await trailOf(approver))).toEqual(new Set([approver.userId, analystRisk.userId]));
    const all = usersIn(await trailOf(admin, '?page_size=100'));
    for (const s of [admin, approver, analystRisk, analystOps, viewer]) expect(all.has(s.userId), s.email).toBe(true);
    expect(all.has(stranger.userId)).toBe(false);
    // The other organization's admin sees its own organization: its creation (no user) and its admin.
    expect(usersIn(await trailOf(stranger))).toEqual(new Set([null, stranger.userId]));
  });

  it('filters by user, event type, resource, request id and dates, with a total and pages', async () => {
    const byUser = await trailOf(admin, `?user_id=${analystOps.userId}`);
    expect(byUser.events.map((e) => e.event_type).sort()).toEqual(['api_key.created', 'auth.login', 'auth.login']);
    expect((await trailOf(analystRisk, `?user_id=${analystOps.userId}`)).total).toBe(0);
    const keys = await trailOf(admin, '?event_type=api_key.created&resource_type=api_key');
    expect(keys.total).toBe(2);
    const one = (await get(`/v1/audit/trail?resource_id=${(keys.events[0] as { event_id: string }).event_id}`, admin)).json();
    expect(one.total).toBe(0);
    await inject({ method: 'POST', url: '/v1/auth/login', headers: { 'x-request-id': 'trace-audit-42' }, payload: { email: viewer.email, password: viewer.password } });
    const traced = await trailOf(admin, '?request_id=trace-audit-42');
    expect(traced.events).toEqual([expect.objectContaining({ event_type: 'auth.login', user_id: viewer.userId, request_id: 'trace-audit-42' })]);
    const today = new Date().toISOString().slice(0, 10);
    expect((await trailOf(admin, `?start_date=${today}&end_date=${today}`)).total).toBeGreaterThan(5);
    expect((await trailOf(admin, '?start_date=2999-01-01')).total).toBe(0);
    expect((await trailOf(admin, '?end_date=2000-01-01T00:00:00Z')).total).toBe(0);
    const page1 = await trailOf(admin, '?page_size=2');
    const page2 = await trailOf(admin, '?page_size=2&page=2');
    expect([page1.events.length, page2.events.length, page1.page_size, page2.page]).toEqual([2, 2, 2, 2]);
    expect(page2.total).toBe(page1.total);
    expect(page1.events.map((e) => e.event_id)).not.toContain(page2.events[0]?.event_id);
  });

  it('shows the sequence number of sealed events and refuses bad input and missing credentials', async () => {
    const page = await trailOf(analystRisk);
    expect(page.events.every((e) => Number.isInteger(e.seq))).toBe(true);
    expect((await get('/v1/audit/trail?user_id=not-a-uuid', admin)).json().error.code).toBe('VALIDATION_ERROR');
    expect((await get('/v1/audit/trail?page_size=1000', admin)).statusCode).toBe(400);
    expect((await get('/v1/audit/trail')).statusCode).toBe(401);
  });
});

describe('GET /v1/audit/security-events', () => {
  it('lists the organization\'s security events with the seed 000 columns, for approvers and admins only', async () => {
    const response = await get('/v1/audit/security-events?event_type=auth_failure', approver);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.total).toBeGreaterThanOrEqual(1);
    expect(Object.keys(body.security_events[0]).sort()).toEqual(
      ['created_at', 'detail', 'event_type', 'id', 'ip_address', 'request_id', 'request_method', 'request_path', 'seq', 'severity', 'timestamp', 'user_agent', 'user_id'].sort(),
    );
    expect(body.security_events[0]).toMatchObject({ event_type: 'auth_failure', user_id: analystOps.userId, request_method: 'POST', request_path: '/v1/auth/login' });
    expect((await get('/v1/audit/security-events', stranger)).json().security_events.some((e: { user_id: string }) => e.user_id === analystOps.userId)).toBe(false);
    expect((await get('/v1/audit/security-events', analystRisk)).statusCode).toBe(403);
  });
});

describe('events, proofs and checkpoints', () => {
  it('serves an event with an inclusion proof that verifies offline with the public key alone', async () => {
    const event = (await trailOf(analystRisk)).events[0] as { event_id: string };
    const response = await get(`/v1/audit/events/${event.event_id}`, analystRisk);
    expect(response.statusCode, response.body).toBe(200);
    const { audit } = response.json();
    expect(JSON.parse(audit.leaf)).toMatchObject({ id: event.event_id, stream: 'audit', seq: audit.seq });
    const key = await get('/v1/audit/public-key');
    expect(key.statusCode).toBe(200);
    const { public_key_pem: publicKey, origin, key_id: keyId } = key.json();
    expect(audit.inclusion.checkpoint).toContain(`— ${origin} `);
    expect(keyId).toMatch(/^[0-9a-f]{8}$/);
    const claim = { publicKey, checkpoint: audit.inclusion.checkpoint, eventJson: audit.leaf, index: audit.inclusion.index, proof: audit.inclusion.proof, origin };
    expect(verifyEventInclusion(claim)).toEqual({ ok: true });
    expect(verifyEventInclusion({ ...claim, eventJson: audit.leaf.replace(event.event_id, randomUUID()) }).ok).toBe(false);
  });

  it('answers RESOURCE_NOT_FOUND for an event outside the reader\'s scope or organization', async () => {
    const theirs = (await trailOf(analystOps)).events[0] as { event_id: string };
    for (const s of [analystRisk, stranger]) {
      const response = await get(`/v1/audit/events/${theirs.event_id}`, s);
      expect(response.statusCode).toBe(404);
      expect(response.json().error).toMatchObject({ code: 'RESOURCE_NOT_FOUND', message: 'No such audit event.' });
    }
    expect((await get(`/v1/audit/events/${theirs.event_id}`, admin)).statusCode).toBe(200);
  });

  it('lists checkpoints with a consistency proof an auditor checks offline', async () => {
    await inject({ method: 'POST', url: '/v1/auth/login', payload: { email: viewer.email, password: viewer.password } });
    await t.aureus.modules.audit.sealer.flush();
    const list = (await get('/v1/audit/checkpoints?limit=1', admin)).json();
    expect(list.checkpoints).toHaveLength(1);
    expect(list.next_cursor).toMatch(/^\d+$/);
    const older = (await get(`/v1/audit/checkpoints?limit=1&cursor=${list.next_cursor}`, admin)).json().checkpoints[0];
    const newer = list.checkpoints[0];
    expect(older.tree_size).toBeLessThan(newer.tree_size);
    const proved = (await get(`/v1/audit/checkpoints?limit=1&from_size=${older.tree_size}`, approver)).json().consistency;
    expect(proved).toMatchObject({ old_size: older.tree_size, new_size: newer.tree_size, old_checkpoint: older.note, new_checkpoint: newer.note });
    const { public_key_pem: publicKey } = (await get('/v1/audit/public-key')).json();
    expect(verifyCheckpointConsistency({ publicKey, older: older.note, newer: newer.note, proof: proved.proof })).toEqual({ ok: true });
    expect((await get(`/v1/audit/checkpoints?from_size=${newer.tree_size + 1000}`, admin)).json().error.code).toBe('VALIDATION_ERROR');
    expect((await get('/v1/audit/checkpoints', analystRisk)).statusCode).toBe(403);
  });

  it('verifies the whole log on request, for approvers and admins', async () => {
    const response = await get('/v1/audit/verify', approver);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ ok: true, first_bad_seq: null, problem: null, problems: [] });
    expect(response.json().tree_size).toBeGreaterThan(10);
    const trusted = response.json().latest_checkpoint as string;
    const again = await get(`/v1/audit/verify?trusted_checkpoint=${encodeURIComponent(trusted)}`, admin);
    expect(again.json()).toMatchObject({ ok: true });
    expect((await get('/v1/audit/verify', viewer)).statusCode).toBe(403);
  });
});

describe('operations', () => {
  it('keeps the audit routes working while the kill switch is on', async () => {
    expect((await inject({ method: 'POST', url: '/v1/admin/kill-switch', headers: admin.auth, payload: { reason: 'audit drill' } })).statusCode).toBe(200);
    try {
      for (const url of ['/v1/audit/trail', '/v1/audit/verify', '/v1/audit/checkpoints', '/v1/audit/security-events', '/v1/audit/public-key']) {
        expect((await get(url, admin)).statusCode, url).toBe(200);
      }
    } finally {
      await inject({ method: 'DELETE', url: '/v1/admin/kill-switch', headers: admin.auth });
    }
  });

  it('reports the log in /health and /metrics', async () => {
    await t.aureus.modules.audit.sealer.flush();
    const health = (await get('/health')).json();
    expect(health.components).toContainEqual(expect.objectContaining({ name: 'audit', status: 'healthy', message: expect.stringMatching(/^\d+ sealed, 0 unsealed, last checkpoint at \d+/) }));
    const metrics = (await get('/metrics')).body;
    expect(metrics).toMatch(/^aureus_audit_sealed_events [1-9]\d*$/m);
    expect(metrics).toMatch(/^aureus_audit_unsealed_events 0$/m);
    expect(metrics).toMatch(/^aureus_audit_checkpoint_age_seconds \d/m);
    expect(metrics).toMatch(/^aureus_audit_evidence_unstored 0$/m);
  });
});
