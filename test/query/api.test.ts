import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, otherOrganization, userWithRole } from '../harness/identity.js';
import { finished, getQuery, rows, submit } from './helpers/query.js';
import { type QueryFixture, queryFixture } from './helpers/target.js';

let f: QueryFixture;
let analyst: Session;
let analyst2: Session;
let approver: Session;
beforeAll(async () => {
  f = await queryFixture({ MAX_SQL_BYTES: '2048' });
  [analyst, analyst2, approver] = [await userWithRole(f.t, 'analyst'), await userWithRole(f.t, 'analyst'), await userWithRole(f.t, 'approver')];
});
afterAll(() => f.close());

const inject = (options: InjectOptions) => f.t.aureus.server.inject(options);
const error = (response: { json(): { error: Record<string, unknown> } }) => response.json().error;

describe('queries are jobs (DESIGN.md §3)', () => {
  it('answers 202 with a query id, then the finished query on GET', async () => {
    const response = await submit(f.t, analyst, f.datasetId, 'SELECT id, name FROM branches ORDER BY id LIMIT 2', null);
    expect(response.statusCode).toBe(202);
    const { query_id: id, status } = response.json();
    expect(['pending', 'running']).toContain(status);
    expect(response.headers.location).toBe(`/v1/query/${id}`);
    const done = await finished(f.t, analyst, id);
    expect(done).toMatchObject({
      query_id: id, status: 'success', dataset_id: f.datasetId, sql: 'SELECT id, name FROM branches ORDER BY id LIMIT 2', question: null,
      columns: [{ name: 'id', type: 'integer', masked: false, masking: null }, { name: 'name', type: 'text', masked: false, masking: null }],
      rows: [[1, 'Harbour Street'], [2, 'Market Square']], row_count: 2, truncated: false, error: null, result_expired: false,
    });
    expect(done.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(done.execution_time_ms).toBeGreaterThanOrEqual(0);
    expect(done.result_sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('waits with Prefer: wait=N and answers 200 with the finished query', async () => {
    const response = await submit(f.t, analyst, f.datasetId, "SELECT count(*) AS n, min(issued_at) AS first FROM loans WHERE status = 'active'", 20);
    expect(response.statusCode).toBe(200);
    expect(response.headers['preference-applied']).toBe('wait=20');
    expect(response.json()).toMatchObject({ status: 'success', columns: [{ name: 'n', type: 'bigint' }, { name: 'first', type: 'date' }] });
    expect(response.json().rows[0][1]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('answers 202 when the wait ends first, and the query carries on', async () => {
    const response = await submit(f.t, analyst, f.datasetId, 'SELECT count(*) FROM generate_series(1, 100000000000) AS g', 1);
    expect(response.statusCode).toBe(202);
    const id = response.json().query_id;
    expect((await getQuery(f.t, analyst, id)).json().status).toBe('running');
    expect((await inject({ method: 'DELETE', url: `/v1/query/${id}`, headers: analyst.auth })).json().status).toBe('cancelled');
  });

  it('records a failed statement without echoing the values that made it fail', async () => {
    const response = await submit(f.t, f.admin, f.datasetId, 'SELECT full_name::int FROM customers WHERE id = 7');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ status: 'error', rows: null, error: { code: 'SQL_VALIDATION_FAILED', message: 'The database refused the query (SQLSTATE 22P02 invalid_text_representation).' } });
    expect(body.error_message).toBe(body.error.message);
  });
});

describe('bad input gets a clear, uniform error', () => {
  const cases: [string, () => Promise<{ statusCode: number; json(): { error: Record<string, unknown> } }>, number, string, string?][] = [
    ['an unknown dataset', () => submit(f.t, analyst, '00000000-0000-4000-8000-000000000000', 'SELECT 1'), 404, 'RESOURCE_NOT_FOUND', 'No such dataset.'],
    ['a dataset id that is not a UUID', () => submit(f.t, analyst, 'loans', 'SELECT 1'), 400, 'VALIDATION_ERROR'],
    ['SQL over MAX_SQL_BYTES', () => submit(f.t, analyst, f.datasetId, `SELECT '${'x'.repeat(3000)}'`), 413, 'PAYLOAD_TOO_LARGE', 'The SQL is 3009 bytes; the limit is 2048 (MAX_SQL_BYTES).'],
    ['empty SQL', () => submit(f.t, analyst, f.datasetId, ''), 400, 'VALIDATION_ERROR'],
    ['a query id that is not a UUID', () => inject({ method: 'GET', url: '/v1/query/42', headers: analyst.auth }), 400, 'VALIDATION_ERROR'],
    ['an unknown query', () => getQuery(f.t, analyst, '00000000-0000-4000-8000-000000000000'), 404, 'RESOURCE_NOT_FOUND', 'No such query.'],
    ['Prefer: wait above 60', () => submit(f.t, analyst, f.datasetId, 'SELECT 1', 61), 400, 'VALIDATION_ERROR', 'Prefer: wait must be a whole number of seconds from 0 to 60.'],
    ['Prefer: wait that is not a number', () => inject({ method: 'POST', url: '/v1/query/sql', headers: { ...analyst.auth, prefer: 'wait=soon' }, payload: { dataset_id: f.datasetId, sql: 'SELECT 1' } }), 400, 'VALIDATION_ERROR'],
    ['a multi-statement script', () => submit(f.t, analyst, f.datasetId, 'SELECT 1; DROP TABLE loans'), 400, 'SQL_VALIDATION_FAILED'],
  ];
  it.each(cases)('%s', async (_name, call, status, code, message) => {
    const response = await call();
    expect(response.statusCode).toBe(status);
    expect(error(response)).toMatchObject({ code, ...(message ? { message } : {}), request_id: expect.any(String) });
  });

  it('names the field for schema errors', async () => {
    expect(error(await submit(f.t, analyst, f.datasetId, 'SELECT 1', 61)).details).toEqual({ fields: [{ path: 'headers/prefer', message: 'wait must be an integer from 0 to 60' }] });
    expect(error(await submit(f.t, analyst, 'x', 'SELECT 1')).details).toMatchObject({ fields: [{ path: 'body/dataset_id' }] });
  });
});

describe('who sees which query (BOLA)', () => {
  it('hides another user\'s query (404, never 403) unless the role reads all; another organization sees nothing', async () => {
    const { query_id: id } = await rows(f.t, analyst, f.datasetId, 'SELECT 1 AS one');
    for (const call of [getQuery(f.t, analyst2, id), inject({ method: 'DELETE', url: `/v1/query/${id}`, headers: analyst2.auth })]) {
      expect(error(await call)).toMatchObject({ code: 'RESOURCE_NOT_FOUND' });
    }
    expect((await getQuery(f.t, approver, id)).json().rows).toEqual([[1]]);
    const other = await otherOrganization(f.t);
    expect((await getQuery(f.t, other.admin, id)).statusCode).toBe(404);
    expect((await inject({ method: 'GET', url: `/v1/datasets/${f.datasetId}`, headers: other.admin.auth })).statusCode).toBe(404);
    expect(error(await submit(f.t, other.admin, f.datasetId, 'SELECT 1'))).toMatchObject({ code: 'RESOURCE_NOT_FOUND', message: 'No such dataset.' });
    expect(error(await inject({ method: 'POST', url: '/v1/query/validate', headers: other.admin.auth, payload: { dataset_id: f.datasetId, sql: 'SELECT 1' } }))).toMatchObject({ code: 'RESOURCE_NOT_FOUND' });
  });

  it('pages history by cursor: your own queries, or the organization\'s for approvers', async () => {
    const me = await userWithRole(f.t, 'analyst');
    const ids = [];
    for (const n of [1, 2, 3]) ids.push((await rows(f.t, me, f.datasetId, `SELECT ${n} AS n`)).query_id);
    const first = (await inject({ method: 'GET', url: '/v1/query/history?limit=2', headers: me.auth })).json();
    expect(first.queries.map((q: { query_id: string }) => q.query_id)).toEqual([ids[2], ids[1]]);
    expect(first.queries[0]).not.toHaveProperty('rows');
    const second = (await inject({ method: 'GET', url: `/v1/query/history?limit=2&cursor=${first.next_cursor}`, headers: me.auth })).json();
    expect(second).toMatchObject({ queries: [{ query_id: ids[0] }], next_cursor: null });
    const all = (await inject({ method: 'GET', url: '/v1/query/history?limit=100', headers: approver.auth })).json();
    expect(new Set(all.queries.map((q: { user_id: string }) => q.user_id)).size).toBeGreaterThan(1);
    expect((await inject({ method: 'GET', url: '/v1/query/history?cursor=bad', headers: me.auth })).statusCode).toBe(400);
  });
});

describe('programs use API keys', () => {
  it('runs a query with an API key under the key\'s role, audited with the key id', async () => {
    const key = (await inject({ method: 'POST', url: '/v1/auth/api-keys', headers: analyst.auth, payload: { name: 'agent', role: 'viewer' } })).json();
    const result = await rows(f.t, { auth: { 'x-api-key': key.key_value } }, f.datasetId, 'SELECT email FROM customers WHERE id = 7');
    expect(result.rows).toEqual([['[REDACTED]']]);
    const { rows: events } = await f.t.aureus.db.query<{ api_key_id: string }>("SELECT api_key_id FROM audit_events WHERE resource_id = $1 AND event_type = 'query.executed'", [result.query_id]);
    expect(events).toEqual([{ api_key_id: key.id }]);
  });
});

describe('audit, storage and cache', () => {
  it('writes query_audit_log and the audit events with the request id, in the transaction of the final state', async () => {
    const response = await submit(f.t, analyst, f.datasetId, 'SELECT id FROM branches WHERE id = 2');
    const body = response.json();
    const requestId = response.headers['x-request-id'];
    const { rows: log } = await f.t.aureus.db.query('SELECT user_id, natural_language_query, generated_sql, was_successful, error_message, request_id FROM query_audit_log WHERE request_id = $1', [requestId]);
    expect(log).toEqual([{ user_id: analyst.userId, natural_language_query: null, generated_sql: 'SELECT id FROM branches WHERE id = 2', was_successful: true, error_message: null, request_id: requestId }]);
    const { rows: events } = await f.t.aureus.db.query<{ event_type: string; details: Record<string, unknown>; request_id: string }>(
      'SELECT event_type, details, request_id FROM audit_events WHERE resource_id = $1 ORDER BY event_type', [body.query_id]);
    expect(events.map((e) => e.event_type)).toEqual(['query.executed', 'query.submitted']);
    expect(events.every((e) => e.request_id === requestId)).toBe(true);
    expect(events[0]?.details).toMatchObject({ dataset_id: f.datasetId, row_count: 1, result_sha256: body.result_sha256, cached: false, fingerprint: body.fingerprint });
  });

  it('commits a signed evidence pack with each executed query: the result\'s hash, never its rows', async () => {
    const result = await rows(f.t, analyst, f.datasetId, 'SELECT id, email FROM customers WHERE id = 9');
    const { rows: packs } = await f.t.aureus.db.query<{ canonical_json: string; sha256: string; event_id: string }>(
      "SELECT canonical_json, sha256, event_id FROM audit_evidence WHERE kind = 'query' AND subject_id = $1", [result.query_id]);
    expect(packs).toHaveLength(1);
    const pack = JSON.parse(packs[0]?.canonical_json as string);
    expect(pack).toMatchObject({
      kind: 'query', query_id: result.query_id, user: { id: analyst.userId, role: 'analyst' },
      snapshot: { sql: 'SELECT id, email FROM customers WHERE id = 9', dataset_id: f.datasetId, row_count: 1, policies_applied: ['sql_guard', 'limit_enforcement', 'pii_masking'], masking: [{ column: 'id', masking: null }, { column: 'email', masking: 'email' }] },
      validation: { sql_safety_check: 'passed', policy_compliance: 'passed' },
    });
    expect(pack.snapshot.result_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(pack.snapshot.sanitized_sql).toContain('SELECT id, email FROM customers WHERE id = 9');
    expect(packs[0]?.canonical_json).not.toContain((result.rows[0] as string[])[1]);
    const { rows: events } = await f.t.aureus.db.query<{ event_type: string; details: { evidence_id: string; evidence_sha256: string } }>('SELECT event_type, details FROM audit_events WHERE id = $1', [packs[0]?.event_id]);
    expect(events[0]).toMatchObject({ event_type: 'query.executed', details: { evidence_sha256: packs[0]?.sha256 } });
  });

  it('stores results encrypted at rest, and they expire after RESULT_TTL_DAYS', async () => {
    const result = await rows(f.t, f.admin, f.datasetId, 'SELECT email FROM customers WHERE id = 11');
    const email = (result.rows[0] as string[])[0] as string;
    const { rows: stored } = await f.t.aureus.db.query<{ sealed: Uint8Array; days: number }>(
      "SELECT sealed, round(extract(epoch FROM expires_at - now()) / 86400)::int AS days FROM query_results WHERE query_id = $1", [result.query_id]);
    expect(Buffer.from(stored[0]?.sealed as Uint8Array).includes(email)).toBe(false);
    expect(stored[0]?.days).toBe(90);
    const cleaned = await f.t.aureus.modules.query.cleanup(new Date(Date.now() + 91 * 86_400_000));
    expect(cleaned.deleted).toBeGreaterThanOrEqual(1);
    expect((await getQuery(f.t, f.admin, result.query_id)).json()).toMatchObject({ status: 'success', rows: null, result_expired: true, row_count: 1 });
  });

  it('serves repeats from the cache, never one role\'s result to another', async () => {
    const sql = 'SELECT full_name FROM customers WHERE id = 12';
    const first = await rows(f.t, f.admin, f.datasetId, sql);
    const second = await rows(f.t, f.admin, f.datasetId, sql);
    expect([first.cached, second.cached]).toEqual([false, true]);
    expect(second.rows).toEqual(first.rows);
    const masked = await rows(f.t, analyst, f.datasetId, sql);
    expect(masked.cached).toBe(false);
    expect(masked.rows[0]?.[0]).not.toBe(first.rows[0]?.[0]);
    expect((await rows(f.t, analyst2, f.datasetId, sql)).cached).toBe(true);
  });
});
