import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { expect } from 'vitest';
import { DEMO_COUNTS, DEMO_NAME, DEMO_TABLES, demoDataSql, demoSchemaSql, readerGrantsSql } from '../../../src/modules/datasets/index.js';
import { type TestApp, createTestApp } from '../../harness/app.js';
import { BACKEND, TEST_DATABASE_URL, assertTestDatabase, databaseUrl } from '../../harness/env.js';
import { type Session, loginAdmin } from '../../harness/identity.js';

/** Where the demo's generated snapshot lives during tests: shared by every test file, generated once. */
export const TEST_DATA_DIR = join(process.cwd(), '.tmp', 'test', 'aureus-data');

/** The demo's tables as a registration body (the PII tags the demo registers itself with). */
export const DEMO_TABLE_INPUT = DEMO_TABLES.map((t) => ({
  name: t.name,
  columns: t.columns.map((c) => ({ name: c.name, type: c.type, pii: Boolean(c.masking), masking: c.masking ?? null })),
}));

/**
 * A real PostgreSQL database holding the demo loan portfolio and a login role that may only
 * SELECT from it. Its name says it is a test database.
 */
export async function createPostgresTarget(base = TEST_DATABASE_URL as string) {
  const suffix = randomBytes(5).toString('hex');
  const database = `aureus_test_target_${suffix}`;
  const role = `aureus_test_reader_${suffix}`;
  const password = randomBytes(12).toString('hex');
  assertTestDatabase(database);
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.query(`CREATE ROLE ${role} NOLOGIN`);
  await admin.query(`ALTER ROLE ${role} LOGIN PASSWORD '${password}'`);
  await admin.end();
  const owner = new pg.Client({ connectionString: databaseUrl(base, database) });
  await owner.connect();
  for (const sql of [...demoSchemaSql(), ...demoDataSql(), ...readerGrantsSql(role, database), 'ANALYZE']) await owner.query(sql);
  const readerUrl = new URL(databaseUrl(base, database));
  readerUrl.username = role;
  readerUrl.password = password;
  return {
    database,
    role,
    url: readerUrl.toString(),
    /** The database owner's connection, for checks the reader cannot make (pg_stat_activity, counts). */
    owner,
    async close() {
      await owner.end();
      const drop = new pg.Client({ connectionString: base });
      await drop.connect();
      await drop.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await drop.query(`DROP ROLE IF EXISTS ${role}`);
      await drop.end();
    },
  };
}
export type PostgresTarget = Awaited<ReturnType<typeof createPostgresTarget>>;

export interface QueryFixture {
  t: TestApp;
  admin: Session;
  datasetId: string;
  /** The real PostgreSQL target on the services backend; undefined on embedded (the demo PGlite). */
  pg: PostgresTarget | undefined;
  /** Row counts of every target table, read around the query path. */
  counts(): Promise<Record<string, number>>;
  /** Also the suite-wide check that nothing a test did changed the target's rows. */
  close(): Promise<void>;
}

const COUNT_SQL = `SELECT ${DEMO_TABLES.map((t) => `(SELECT count(*) FROM public.${t.name})::int AS ${t.name}`).join(', ')}`;

/**
 * An app running jobs, its signed-in admin, and the dataset the behaviour suites query: on the
 * services backend a real PostgreSQL target with a read-only role, registered through the API;
 * on embedded, the demo dataset in its own PGlite.
 */
export async function queryFixture(vars: Record<string, string> = {}): Promise<QueryFixture> {
  const t = await createTestApp({ vars: { DATA_DIR: TEST_DATA_DIR, ...vars } });
  await t.aureus.startWorker();
  const admin = await loginAdmin(t);
  let target: PostgresTarget | undefined;
  let datasetId: string;
  if (BACKEND === 'services') {
    target = await createPostgresTarget();
    const response = await t.aureus.server.inject({
      method: 'POST', url: '/v1/datasets', headers: admin.auth,
      payload: { name: `portfolio-${target.database}`, connection_url: target.url, tables: DEMO_TABLE_INPUT, viewer_access: true, statement_timeout_ms: 10_000 },
    });
    if (response.statusCode !== 201) throw new Error(`registering the target failed: ${response.body}`);
    datasetId = response.json().id;
  } else {
    const list = (await t.aureus.server.inject({ method: 'GET', url: '/v1/datasets', headers: admin.auth })).json();
    datasetId = list.datasets.find((d: { name: string }) => d.name === DEMO_NAME).id;
  }
  const pgTarget = target;
  const counts = async (): Promise<Record<string, number>> => {
    if (pgTarget) return (await pgTarget.owner.query(COUNT_SQL)).rows[0] as Record<string, number>;
    // The demo is reachable only through its execution layer; this is a read like any other.
    const stored = await t.aureus.modules.datasets.service.byId(datasetId);
    const request = { sql: COUNT_SQL, params: [], defaultSchema: 'public', timeoutMs: 10_000, maxRows: 1, maxBytes: 10_000 };
    const result = await t.aureus.modules.datasets.run(stored as NonNullable<typeof stored>, request, new AbortController().signal);
    return Object.fromEntries(result.fields.map((f, i) => [f.name, Number(result.rows[0]?.[i])]));
  };
  const before = await counts();
  expect(before).toEqual(DEMO_COUNTS);
  return {
    t,
    admin,
    datasetId,
    pg: pgTarget,
    counts,
    async close() {
      const after = await counts().catch(() => undefined);
      await t.close();
      await pgTarget?.close();
      expect(after, "the target's row counts changed").toEqual(before);
    },
  };
}
