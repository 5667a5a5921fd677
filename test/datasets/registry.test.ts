import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_NAME } from '../../src/modules/datasets/index.js';
import { type TestApp, createTestApp } from '../harness/app.js';
import { TEST_DATABASE_URL } from '../harness/env.js';
import { type Session, loginAdmin, otherOrganization, userWithRole } from '../harness/identity.js';
import { DEMO_TABLE_INPUT, type PostgresTarget, TEST_DATA_DIR, createPostgresTarget } from '../query/helpers/target.js';

let t: TestApp;
let admin: Session;
let viewer: Session;
let demoId: string;
beforeAll(async () => {
  t = await createTestApp({ vars: { DATA_DIR: TEST_DATA_DIR } });
  await t.aureus.startWorker();
  admin = await loginAdmin(t);
  viewer = await userWithRole(t, 'viewer');
  demoId = (await inject({ method: 'GET', url: '/v1/datasets', headers: admin.auth })).json().datasets.find((d: { name: string }) => d.name === DEMO_NAME).id;
});
afterAll(() => t.close());

const inject = (options: InjectOptions) => t.aureus.server.inject(options);
const create = (payload: Record<string, unknown>, s: Session = admin) => inject({ method: 'POST', url: '/v1/datasets', headers: s.auth, payload });

describe('the demo dataset', () => {
  it('is registered with its tables, row counts and PII tags, and shown to viewers without admin details', async () => {
    const d = (await inject({ method: 'GET', url: `/v1/datasets/${demoId}`, headers: admin.auth })).json();
    expect(d).toMatchObject({ name: 'loan_portfolio', kind: 'demo', row_count: 10_008, default_schema: 'public', viewer_access: true, max_rows: 1000, warnings: [], row_filters: [] });
    expect(d.tables.map((x: { name: string; row_count: number }) => [x.name, x.row_count])).toEqual([
      ['public.branches', 8], ['public.customers', 1500], ['public.loans', 2500], ['public.transactions', 6000],
    ]);
    const customers = d.tables.find((x: { name: string }) => x.name === 'public.customers');
    expect(customers.columns.filter((c: { pii: boolean }) => c.pii).map((c: { name: string; masking: string }) => `${c.name}:${c.masking}`)).toEqual([
      'full_name:partial', 'email:email', 'phone:last4', 'ssn:last4', 'date_of_birth:redact',
    ]);
    const seen = (await inject({ method: 'GET', url: '/v1/datasets', headers: viewer.auth })).json();
    expect(seen.datasets.map((x: { id: string }) => x.id)).toContain(demoId);
    expect(seen.datasets[0]).not.toHaveProperty('warnings');
    expect(seen.datasets[0]).not.toHaveProperty('row_filters');
  });

  it('is introspected from its own catalog, with PII proposed from names and values', async () => {
    const response = await inject({ method: 'POST', url: `/v1/datasets/${demoId}/introspect`, headers: admin.auth });
    expect(response.statusCode, response.body).toBe(200);
    const tables = response.json().tables as { name: string; row_count: number; columns: { name: string; type: string; pii: boolean; masking: string | null; reasons: string[] }[] }[];
    expect(tables.map((x) => [x.name, x.row_count])).toEqual([['public.branches', 8], ['public.customers', 1500], ['public.loans', 2500], ['public.transactions', 6000]]);
    const customers = Object.fromEntries((tables.find((x) => x.name === 'public.customers')?.columns ?? []).map((c) => [c.name, c]));
    expect(customers.email).toMatchObject({ pii: true, masking: 'email', type: 'text' });
    expect(customers.email?.reasons).toContain('100% of 200 sampled values look like email');
    expect(customers.ssn).toMatchObject({ pii: true, masking: 'last4' });
    expect(customers.ssn?.reasons.some((r) => r.includes('sampled values look like ssn'))).toBe(true);
    expect(customers.phone).toMatchObject({ pii: true, masking: 'last4' });
    expect(customers.date_of_birth).toMatchObject({ pii: true, masking: 'redact', type: 'date' });
    expect(customers.full_name).toMatchObject({ pii: true, masking: 'partial' });
    for (const name of ['id', 'branch_id', 'created_at']) expect(customers[name]?.pii, name).toBe(false);
    const loans = tables.find((x) => x.name === 'public.loans');
    expect(loans?.columns.filter((c) => c.pii)).toEqual([]);
    expect(JSON.stringify(response.json())).not.toMatch(/@example\.(com|org|net)/);
    const { rows } = await t.aureus.db.query("SELECT count(*)::int AS n FROM audit_events WHERE event_type = 'dataset.introspected' AND resource_id = $1", [demoId]);
    expect(rows).toEqual([{ n: 1 }]);
  });

  it('is hidden from viewers once not approved for them, and from other organizations always', async () => {
    const off = await inject({ method: 'PATCH', url: `/v1/datasets/${demoId}`, headers: admin.auth, payload: { viewer_access: false } });
    expect(off.statusCode).toBe(200);
    expect((await inject({ method: 'GET', url: `/v1/datasets/${demoId}`, headers: viewer.auth })).statusCode).toBe(404);
    expect((await inject({ method: 'GET', url: '/v1/datasets', headers: viewer.auth })).json().datasets).toEqual([]);
    expect((await inject({ method: 'POST', url: '/v1/query/sql', headers: viewer.auth, payload: { dataset_id: demoId, sql: 'SELECT 1' } })).statusCode).toBe(404);
    await inject({ method: 'PATCH', url: `/v1/datasets/${demoId}`, headers: admin.auth, payload: { viewer_access: true } });
    const other = await otherOrganization(t);
    expect((await inject({ method: 'GET', url: `/v1/datasets/${demoId}`, headers: other.admin.auth })).json().error).toMatchObject({ code: 'RESOURCE_NOT_FOUND', message: 'No such dataset.' });
    expect((await inject({ method: 'PATCH', url: `/v1/datasets/${demoId}`, headers: other.admin.auth, payload: { description: 'x' } })).statusCode).toBe(404);
    expect((await inject({ method: 'POST', url: `/v1/datasets/${demoId}/introspect`, headers: other.admin.auth })).statusCode).toBe(404);
    expect((await inject({ method: 'GET', url: '/v1/datasets', headers: other.admin.auth })).json().datasets).toEqual([]);
  });

  it('refuses policy changes that do not hold together', async () => {
    const patch = (payload: Record<string, unknown>) => inject({ method: 'PATCH', url: `/v1/datasets/${demoId}`, headers: admin.auth, payload });
    const cases: [Record<string, unknown>, string][] = [
      [{ max_rows: 20_000 }, 'max_rows: must be at most 10000 (QUERY_MAX_ROWS)'],
      [{ statement_timeout_ms: 3_600_000 }, 'statement_timeout_ms: must be at most 30000 (QUERY_TIMEOUT_MS)'],
      [{ tables: [{ name: 'customers', columns: [{ name: 'id', masking: 'hash', pii: false }] }] }, 'a masking kind needs pii: true'],
      [{ tables: [{ name: 'pg_catalog.pg_authid', columns: [{ name: 'rolname' }] }] }, 'system relation'],
      [{ connection_url: 'postgres://x@db.example.com/db' }, 'the demo dataset has no connection to change'],
      [{}, 'must NOT have fewer than 1 properties'],
    ];
    for (const [payload, message] of cases) {
      const response = await patch(payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(JSON.stringify(response.json().error), JSON.stringify(payload)).toContain(message);
    }
  });
});

describe('registering a database', () => {
  const cases: [string, string][] = [
    ['mysql://u@127.0.0.1/db', 'must start with postgres:// or postgresql://'],
    ['postgres://127.0.0.1/db', 'must name the read-only role (user)'],
    ['postgres://u@127.0.0.1/db?host=/var/run/postgresql', 'parameter "host" is not allowed (only sslmode)'],
    ['postgres://u@127.0.0.1/db?sslrootcert=/etc/passwd', 'parameter "sslrootcert" is not allowed'],
    ['postgres://u@169.254.169.254/db', 'resolves to a link-local or unspecified address'],
    ['postgres://u@127.0.0.1:1/db', 'Aureus could not connect to the database (connection refused)'],
  ];
  it.each(cases)('refuses %s', async (url, message) => {
    const response = await create({ name: 'bad', connection_url: url });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'VALIDATION_ERROR', details: { fields: [{ path: 'body/connection_url' }] } });
    expect(response.json().error.message).toContain(message);
  });

  it('refuses hosts outside DATASET_ALLOWED_HOSTS when it is set', async () => {
    const fenced = await createTestApp({ vars: { DATASET_ALLOWED_HOSTS: 'db.internal,10.0.0.0/8' } });
    try {
      const s = await loginAdmin(fenced);
      const response = await fenced.aureus.server.inject({ method: 'POST', url: '/v1/datasets', headers: s.auth, payload: { name: 'x', connection_url: 'postgres://u@127.0.0.1/db' } });
      expect(response.json().error.message).toBe('connection_url: host "127.0.0.1" is not in DATASET_ALLOWED_HOSTS');
    } finally {
      await fenced.close();
    }
  });

  it('is for admins only', async () => {
    const analyst = await userWithRole(t, 'analyst');
    expect((await create({ name: 'x', connection_url: 'postgres://u@127.0.0.1/db' }, analyst)).statusCode).toBe(403);
    expect((await inject({ method: 'POST', url: `/v1/datasets/${demoId}/introspect`, headers: analyst.auth })).statusCode).toBe(403);
  });
});

describe.runIf(TEST_DATABASE_URL)('registering a real PostgreSQL database', () => {
  let target: PostgresTarget;
  beforeAll(async () => {
    target = await createPostgresTarget();
  });
  afterAll(() => target.close());

  it('tests the connection, stores it sealed, never returns it, and warns about nothing for a read-only role', async () => {
    const response = await create({ name: 'portfolio', connection_url: target.url, tables: DEMO_TABLE_INPUT, description: 'loans' });
    expect(response.statusCode, response.body).toBe(201);
    const d = response.json();
    expect(d).toMatchObject({ name: 'portfolio', kind: 'postgres', warnings: [], viewer_access: false, max_rows: 1000, statement_timeout_ms: 30_000, version: 1 });
    const { rows } = await t.aureus.db.query<{ connection_sealed: Uint8Array }>('SELECT connection_sealed FROM datasets WHERE id = $1', [d.id]);
    const sealed = Buffer.from(rows[0]?.connection_sealed as Uint8Array);
    expect(sealed.includes(target.role)).toBe(false);
    expect(sealed.includes(target.database)).toBe(false);
    const shown = JSON.stringify((await inject({ method: 'GET', url: `/v1/datasets/${d.id}`, headers: admin.auth })).json());
    expect(shown).not.toContain(target.role);
    expect(JSON.stringify(t.logs.lines)).not.toContain(target.role);
    expect((await create({ name: 'Portfolio', connection_url: target.url })).statusCode).toBe(409);
    const introspected = (await inject({ method: 'POST', url: `/v1/datasets/${d.id}/introspect`, headers: admin.auth })).json();
    expect(introspected.tables.find((x: { name: string }) => x.name === 'public.customers').row_count).toBe(1500);
  });

  it('warns when the role could write or is a superuser, and checks the listed columns exist', async () => {
    const owner = new URL(target.url);
    owner.username = new URL(TEST_DATABASE_URL as string).username;
    owner.password = '';
    const response = await create({ name: 'as-owner', connection_url: owner.toString() });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json().warnings.join(' ')).toContain('The role is a superuser');
    const missing = await create({ name: 'missing', connection_url: target.url, tables: [{ name: 'customers', columns: [{ name: 'password_hash' }] }] });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.message).toContain('public.customers: The database refused the query (SQLSTATE 42703 undefined_column)');
  });
});
