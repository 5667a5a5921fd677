import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../src/modules/identity/index.js';
import { type Session, userWithRole } from '../harness/identity.js';
import { rows, submit } from './helpers/query.js';
import { type QueryFixture, queryFixture } from './helpers/target.js';

let f: QueryFixture;
const as = {} as Record<Role, Session>;
beforeAll(async () => {
  f = await queryFixture();
  for (const role of ROLES) as[role] = role === 'admin' ? f.admin : await userWithRole(f.t, role);
});
afterAll(() => f.close());

const PERSON = 'SELECT id, full_name, email, phone, ssn, date_of_birth, branch_id FROM customers WHERE id = 7';
const R = '[REDACTED]';
const last4 = (v: string) => v.replace(/[A-Za-z0-9]/g, (c, i: number) => (v.slice(i).replace(/[^A-Za-z0-9]/g, '').length <= 4 ? c : '*'));

describe('masking by role (seed 002 §6.2)', () => {
  it('shows admins everything, approvers and analysts partial values, viewers redacted values', async () => {
    const full = await rows(f.t, as.admin, f.datasetId, PERSON);
    const [id, name, email, phone, ssn, dob, branch] = full.rows[0] as [number, string, string, string, string, string, number];
    expect(full.columns.every((c) => !c.masked)).toBe(true);
    expect(email).toMatch(/^[a-z]+\.[a-z]+7@example\.(com|org|net)$/);
    expect(ssn).toMatch(/^\d{3}-\d{2}-\d{4}$/);

    for (const role of ['analyst', 'approver'] as const) {
      const partial = await rows(f.t, as[role], f.datasetId, PERSON);
      expect(partial.rows[0]).toEqual([id, name.replace(/(\S)(\S*)/g, (_m, a: string, b: string) => a + '*'.repeat(b.length)), `${email[0]}***@${email.split('@')[1]}`, last4(phone), last4(ssn), R, branch]);
      expect(partial.columns.map((c) => c.masking)).toEqual([null, 'partial', 'email', 'last4', 'last4', 'redact', null]);
    }
    const redacted = await rows(f.t, as.viewer, f.datasetId, PERSON);
    expect(redacted.rows[0]).toEqual([id, R, R, R, R, R, branch]);
    expect(redacted.columns.filter((c) => c.masked).map((c) => c.name)).toEqual(['full_name', 'email', 'phone', 'ssn', 'date_of_birth']);
    expect(dob).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('masks values computed from PII: expressions and UNION arms are redacted for partial roles', async () => {
    const sql = "SELECT upper(email) AS email, ssn || '' AS ssn, length(full_name) AS n FROM customers WHERE id = 7";
    const admin = await rows(f.t, as.admin, f.datasetId, sql);
    const plain = (await rows(f.t, as.admin, f.datasetId, PERSON)).rows[0] as string[];
    expect(admin.rows[0]).toEqual([(plain[2] as string).toUpperCase(), plain[4], (plain[1] as string).length]);
    const masked = await rows(f.t, as.approver, f.datasetId, sql);
    expect(masked.rows[0]).toEqual([R, R, R]);
    expect(masked.columns.every((c) => c.masked && c.masking === 'redact')).toBe(true);
    const union = await rows(f.t, as.analyst, f.datasetId, 'SELECT email FROM customers WHERE id = 7 UNION ALL SELECT name FROM branches WHERE id = 1');
    expect(union.rows).toEqual([[R], [R]]);
  });

  it('refuses viewers and analysts any computation with PII: whether it fails would reveal the value', async () => {
    const ssn = ((await rows(f.t, as.admin, f.datasetId, 'SELECT ssn FROM customers WHERE id = 7')).rows[0] as string[])[0] as string;
    // Without the refusal, this fails (division by zero) exactly when the SSN's first digit is d.
    const oracle = (d: number) => `SELECT 1 / (ascii(substr(ssn, 1, 1)) - ${48 + d}) AS x FROM customers WHERE id = 7`;
    for (const role of ['viewer', 'analyst'] as const) {
      for (const sql of [oracle(Number(ssn[0])), oracle((Number(ssn[0]) + 1) % 10), "SELECT upper(email) AS e FROM customers WHERE id = 7", 'SELECT x FROM (SELECT length(ssn) AS x FROM customers) s']) {
        const response = await submit(f.t, as[role], f.datasetId, sql);
        expect(response.statusCode, `${role}: ${sql}`).toBe(400);
        expect(response.json().error.details.violations).toEqual([expect.objectContaining({ code: 'PII_EXPRESSION_NOT_ALLOWED' })]);
      }
    }
    const bare = await rows(f.t, as.viewer, f.datasetId, 'SELECT s.x FROM (SELECT ssn AS x FROM customers WHERE id = 7) s');
    expect(bare.rows).toEqual([[R]]);
  });

  it('follows a PII column through CTEs and subqueries and keeps its own masking kind when unchanged', async () => {
    const plain = (await rows(f.t, as.admin, f.datasetId, PERSON)).rows[0] as string[];
    const cte = await rows(f.t, as.analyst, f.datasetId, 'WITH c AS (SELECT id, email, ssn FROM customers) SELECT email, ssn FROM c WHERE id = 7');
    expect(cte.rows[0]).toEqual([`${(plain[2] as string)[0]}***@${(plain[2] as string).split('@')[1]}`, last4(plain[4] as string)]);
    const sub = await rows(f.t, as.viewer, f.datasetId, 'SELECT x.s FROM (SELECT ssn AS s FROM customers WHERE id = 7) AS x');
    expect(sub.rows).toEqual([[R]]);
    const renamed = await rows(f.t, as.analyst, f.datasetId, 'SELECT ssn AS email FROM customers WHERE id = 7');
    expect(renamed.rows).toEqual([[last4(plain[4] as string)]]);
  });

  it('leaves columns without PII lineage alone, aggregates over PII included only as counts', async () => {
    const result = await rows(f.t, as.viewer, f.datasetId, 'SELECT b.region, count(*) AS customers FROM customers c JOIN branches b ON b.id = c.branch_id GROUP BY b.region ORDER BY 1');
    expect(result.columns.some((c) => c.masked)).toBe(false);
    expect(result.rows.reduce((n, r) => n + (r[1] as number), 0)).toBe(1500);
  });
});

describe('inference protection', () => {
  const probes = [
    "SELECT id FROM customers WHERE ssn LIKE '1%'",
    'SELECT id FROM customers ORDER BY email LIMIT 5',
    'SELECT date_of_birth, count(*) FROM customers GROUP BY date_of_birth',
    'SELECT c.id FROM customers c JOIN customers d ON d.email = c.email',
    "SELECT count(*) FILTER (WHERE full_name LIKE 'A%') FROM customers",
  ];

  it('refuses viewers and analysts any filter, join, grouping or ordering on a PII column', async () => {
    for (const role of ['viewer', 'analyst'] as const) {
      for (const sql of probes) {
        const response = await submit(f.t, as[role], f.datasetId, sql);
        expect(response.statusCode, `${role}: ${sql}`).toBe(400);
        const { error } = response.json();
        expect(error.code).toBe('SQL_VALIDATION_FAILED');
        expect(error.details.violations).toContainEqual(expect.objectContaining({ code: 'PII_PREDICATE_NOT_ALLOWED' }));
        expect(error.message).toContain(`Your role (${role}) may not filter, join, group or order by PII`);
      }
    }
  });

  it('lets approvers and admins (PII access) filter by PII; results stay masked for approvers', async () => {
    const admin = await rows(f.t, as.admin, f.datasetId, 'SELECT ssn FROM customers WHERE id = 7');
    const ssn = (admin.rows[0] as string[])[0] as string;
    const found = await rows(f.t, as.approver, f.datasetId, `SELECT id, ssn FROM customers WHERE ssn = '${ssn}'`);
    expect(found.rows).toEqual([[7, last4(ssn)]]);
  });

  it('audits each refusal and raises a security event', async () => {
    const response = await submit(f.t, as.analyst, f.datasetId, probes[0] as string);
    const queryId = response.json().error.details.query_id as string;
    const { rows: events } = await f.t.aureus.db.query<{ event_type: string; outcome: string; request_id: string }>(
      "SELECT event_type, outcome, request_id FROM audit_events WHERE resource_id = $1 ORDER BY event_type", [queryId]);
    expect(events.map((e) => [e.event_type, e.outcome])).toEqual([['query.refused', 'denied'], ['query.submitted', 'success']]);
    expect(events[0]?.request_id).toBe(response.headers['x-request-id']);
    const { rows: security } = await f.t.aureus.db.query("SELECT severity FROM security_events WHERE event_type = 'query_refused' AND detail->>'query_id' = $1", [queryId]);
    expect(security).toEqual([{ severity: 'medium' }]);
  });
});

describe('the hash kind and policy changes', () => {
  it('gives partial roles a keyed hash, stable across queries, once an admin switches the column to hash', async () => {
    const dataset = (await f.t.aureus.server.inject({ method: 'GET', url: `/v1/datasets/${f.datasetId}`, headers: as.admin.auth })).json();
    const tables = dataset.tables.map((t: { name: string; columns: { name: string; type: string; pii: boolean; masking: string | null }[] }) => ({
      name: t.name,
      columns: t.columns.map((c) => ({ ...c, masking: t.name === 'public.customers' && c.name === 'email' ? 'hash' : c.masking })),
    }));
    const patched = await f.t.aureus.server.inject({ method: 'PATCH', url: `/v1/datasets/${f.datasetId}`, headers: as.admin.auth, payload: { tables } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().version).toBe(dataset.version + 1);
    const first = await rows(f.t, as.analyst, f.datasetId, 'SELECT email FROM customers WHERE id IN (7, 8) ORDER BY id');
    const again = await rows(f.t, as.approver, f.datasetId, 'SELECT email FROM customers WHERE id IN (8) ORDER BY id');
    expect(first.rows[0]?.[0]).toMatch(/^hash:[0-9a-f]{24}$/);
    expect(first.rows[1]?.[0]).not.toBe(first.rows[0]?.[0]);
    expect(again.rows[0]?.[0]).toBe(first.rows[1]?.[0]);
    expect((await rows(f.t, as.viewer, f.datasetId, 'SELECT email FROM customers WHERE id = 8')).rows).toEqual([[R]]);
  });
});
