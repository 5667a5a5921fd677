import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TargetError } from '../../src/modules/datasets/index.js';
import { finished, getQuery, rows, submit } from './helpers/query.js';
import { type QueryFixture, queryFixture } from './helpers/target.js';

// One dataset connection and one job at a time: every statement below shares the session the
// previous one used, and a second job waits behind a running one.
let f: QueryFixture;
beforeAll(async () => {
  f = await queryFixture({ DATASET_POOL_SIZE: '1', QUERY_MAX_RESULT_BYTES: '4096', QUEUE_CONCURRENCY: '1' });
});
afterAll(() => f.close());

const LONG = 'SELECT count(*) FROM generate_series(1, 100000000000) AS g';

/** The execution layer with the guard out of the way: what the database alone lets through. */
async function direct(sql: string) {
  const d = await f.t.aureus.modules.datasets.service.byId(f.datasetId);
  const request = { sql, params: [], defaultSchema: 'public', timeoutMs: 10_000, maxRows: 100, maxBytes: 1_000_000 };
  return f.t.aureus.modules.datasets.run(d as NonNullable<typeof d>, request, new AbortController().signal);
}

/** Active statements of the dataset's role on the server (services); the demo has no other backends. */
async function activeOnServer(): Promise<number> {
  if (!f.pg) return 0;
  const { rows: found } = await f.pg.owner.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1 AND state = 'active' AND query LIKE '%generate_series%'", [f.pg.role]);
  return (found[0] as { n: number }).n;
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function setTimeoutMs(ms: number) {
  const response = await f.t.aureus.server.inject({ method: 'PATCH', url: `/v1/datasets/${f.datasetId}`, headers: f.admin.auth, payload: { statement_timeout_ms: ms } });
  expect(response.statusCode, response.body).toBe(200);
}

describe('defence in depth: the database refuses writes even without the guard', () => {
  const writes = [
    "INSERT INTO branches VALUES (99, 'x', 'y', 'z')",
    'UPDATE loans SET amount = 0',
    'DELETE FROM transactions',
    'TRUNCATE customers',
    'CREATE TABLE stolen (a int)',
    'CREATE TEMP TABLE stolen (a int)',
    "WITH lift AS (SELECT set_config('role', current_user, true)) INSERT INTO branches SELECT 98, 'a', 'b', 'c' FROM lift",
    "SELECT set_config('transaction_read_only', 'off', false)",
    'SELECT 1; DELETE FROM loans',
  ];

  it('refuses every write run straight through the execution layer', async () => {
    for (const sql of writes) {
      const err = await direct(sql).then(() => undefined, (e: unknown) => e);
      expect(err, sql).toBeInstanceOf(TargetError);
      expect((err as TargetError).kind, sql).toBe('refused');
      expect(['25006', '25001', '42501', '42601'], sql).toContain((err as TargetError).sqlState);
    }
    expect(await f.counts()).toEqual({ branches: 8, customers: 1500, loans: 2500, transactions: 6000 });
  });

  it('leaves nothing on the pooled session: locks, settings and roles end with the statement', async () => {
    await direct('SELECT pg_advisory_lock(4711)');
    await direct("SELECT set_config('search_path', 'pg_catalog', false), set_config('aureus.leak', 'x', false)");
    const after = await direct("SELECT (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid())::int, current_setting('search_path'), current_setting('aureus.leak', true), current_setting('transaction_read_only')");
    const [locks, searchPath, leak, readOnly] = after.rows[0] as (string | null)[];
    expect([locks, readOnly]).toEqual(['0', 'on']);
    expect(searchPath).toMatch(/^"?public"?, pg_temp$/);
    expect(['', null]).toContain(leak);
  });
});

describe('limits', () => {
  it('caps rows and bytes and says the result was cut short', async () => {
    const capped = await rows(f.t, f.admin, f.datasetId, 'SELECT id FROM transactions ORDER BY id');
    expect(capped.truncated).toBe(true);
    expect(capped.row_count).toBeLessThanOrEqual(1000);
    const small = await rows(f.t, f.admin, f.datasetId, 'SELECT id FROM branches ORDER BY id');
    expect(small).toMatchObject({ truncated: false, row_count: 8 });
    const wide = await rows(f.t, f.admin, f.datasetId, 'SELECT full_name, email, phone, ssn FROM customers ORDER BY id');
    expect(wide.truncated).toBe(true);
    expect(JSON.stringify(wide.rows).length).toBeLessThan(8192);
  });

  it('refuses to deliver columns the guard did not approve (a registry listing fewer columns than the table)', async () => {
    const dataset = (await f.t.aureus.server.inject({ method: 'GET', url: `/v1/datasets/${f.datasetId}`, headers: f.admin.auth })).json();
    const tables = dataset.tables.map((t: { name: string; columns: { name: string }[] }) => ({ ...t, columns: t.columns.filter((c) => !(t.name === 'public.branches' && c.name === 'city')) }));
    expect((await f.t.aureus.server.inject({ method: 'PATCH', url: `/v1/datasets/${f.datasetId}`, headers: f.admin.auth, payload: { tables } })).statusCode).toBe(200);
    const response = await submit(f.t, f.admin, f.datasetId, 'SELECT * FROM branches');
    expect(response.json()).toMatchObject({ status: 'error', rows: null, error: { code: 'SQL_VALIDATION_FAILED' } });
    expect(response.json().error.message).toContain('columns differ');
    expect((await rows(f.t, f.admin, f.datasetId, 'SELECT id, name FROM branches WHERE id = 1')).row_count).toBe(1);
  });
});

describe('stopping statements on the server', () => {
  it('stops a statement at the dataset\'s timeout, on the server', async () => {
    await setTimeoutMs(500);
    const started = Date.now();
    const response = await submit(f.t, f.admin, f.datasetId, LONG);
    expect(response.json()).toMatchObject({ status: 'error', error: { code: 'UPSTREAM_TIMEOUT' } });
    expect(Date.now() - started).toBeLessThan(5_000);
    await until(async () => (await activeOnServer()) === 0, 'the backend to go idle', 2_000);
    expect((await rows(f.t, f.admin, f.datasetId, 'SELECT 1 AS one')).rows).toEqual([[1]]);
    await setTimeoutMs(30_000);
  });

  it('cancels a running statement on DELETE /v1/query/:id', async () => {
    const accepted = await submit(f.t, f.admin, f.datasetId, LONG, null);
    expect(accepted.statusCode).toBe(202);
    const id = accepted.json().query_id;
    await until(async () => (await getQuery(f.t, f.admin, id)).json().status === 'running' && (!f.pg || (await activeOnServer()) === 1), 'the statement to run');
    const cancelled = await f.t.aureus.server.inject({ method: 'DELETE', url: `/v1/query/${id}`, headers: f.admin.auth });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(cancelled.json()).toMatchObject({ status: 'cancelled', error_message: 'The query was cancelled by its caller.' });
    await until(async () => (await activeOnServer()) === 0, 'the backend to stop', 2_000);
    expect((await f.t.aureus.server.inject({ method: 'DELETE', url: `/v1/query/${id}`, headers: f.admin.auth })).json().status).toBe('cancelled');
    expect((await rows(f.t, f.admin, f.datasetId, 'SELECT 2 AS two')).rows).toEqual([[2]]);
  });

  it('cancels running and queued statements when the kill switch turns on, and refuses new ones until it is off', async () => {
    const running = (await submit(f.t, f.admin, f.datasetId, LONG, null)).json().query_id;
    await until(async () => (await getQuery(f.t, f.admin, running)).json().status === 'running' && (!f.pg || (await activeOnServer()) === 1), 'the statement to run');
    // One job at a time in this file: the second waits in the queue behind the first.
    const queued = (await submit(f.t, f.admin, f.datasetId, 'SELECT 4 AS four', null)).json().query_id;
    expect((await getQuery(f.t, f.admin, queued)).json().status).toBe('pending');
    const on = await f.t.aureus.server.inject({ method: 'POST', url: '/v1/admin/kill-switch', headers: f.admin.auth, payload: { reason: 'test' } });
    expect(on.statusCode).toBe(200);
    // The API answers 503 while the switch is on; the state is read from the store.
    const status = async (id: string) => (await f.t.aureus.db.query<{ status: string }>('SELECT status FROM queries WHERE id = $1', [id])).rows[0]?.status;
    await until(async () => (await status(running)) === 'cancelled' && (await status(queued)) === 'cancelled', 'both queries to be cancelled', 5_000);
    await until(async () => (await activeOnServer()) === 0, 'the backend to stop', 2_000);
    expect((await submit(f.t, f.admin, f.datasetId, 'SELECT 1')).statusCode).toBe(503);
    expect((await f.t.aureus.server.inject({ method: 'DELETE', url: '/v1/admin/kill-switch', headers: f.admin.auth })).statusCode).toBe(200);
    for (const id of [running, queued]) {
      expect((await getQuery(f.t, f.admin, id)).json()).toMatchObject({ status: 'cancelled', rows: null, error_message: 'The query was cancelled: the kill switch was turned on.' });
    }
    const done = await finished(f.t, f.admin, (await submit(f.t, f.admin, f.datasetId, 'SELECT 3 AS three', null)).json().query_id);
    expect(done.rows).toEqual([[3]]);
  });
});
