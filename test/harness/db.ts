import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import pino from 'pino';
import { inject } from 'vitest';
import { type Db, createPgliteDb } from '../../src/platform/db/index.js';
import { createPostgresDb } from '../../src/platform/db/postgres.js';
import { BACKEND, TEMPLATE_DB, TEST_DATABASE_URL, assertTestDatabase, databaseUrl } from './env.js';

const silent = pino({ level: 'silent' });

export interface TestDb {
  db: Db;
  /** Connection URL (services backend only), for real processes that share the database. */
  url: string | undefined;
  close(): Promise<void>;
}

/** A new database on the test server (a clone of `template` when given), dropped on close. */
async function postgresDatabase(template: string, poolSize: number): Promise<TestDb> {
  const base = TEST_DATABASE_URL as string;
  const name = `aureus_test_f${randomBytes(6).toString('hex')}`;
  assertTestDatabase(name);
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} ${template}`);
  await admin.end();
  const url = databaseUrl(base, name);
  const db = createPostgresDb({ url, poolSize, statementTimeoutMs: 30_000, echo: false, logger: silent });
  return {
    db,
    url,
    async close() {
      await db.close();
      const drop = new pg.Client({ connectionString: base });
      await drop.connect();
      await drop.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await drop.end();
    },
  };
}

/** A fresh, migrated metadata store for one test file: a PGlite snapshot or a clone of the template. */
export async function createTestDb(): Promise<TestDb> {
  if (BACKEND === 'embedded') {
    const snapshot = new Blob([readFileSync(inject('pgliteSnapshot'))]);
    const db = await createPgliteDb({ loadDataDir: snapshot, echo: false, logger: silent });
    return { db, url: undefined, close: () => db.close() };
  }
  return postgresDatabase(`TEMPLATE ${TEMPLATE_DB}`, 5);
}

/** An empty database (no migrations) on this backend, for migration tests. */
export async function createEmptyDb(): Promise<TestDb> {
  if (BACKEND === 'embedded') {
    const db = await createPgliteDb({ echo: false, logger: silent });
    return { db, url: undefined, close: () => db.close() };
  }
  return postgresDatabase('', 3);
}

/** A second pool on the same database (services), or the same store (embedded: one process owns it). */
export function secondConnection(testDb: TestDb): Db {
  if (!testDb.url) return testDb.db;
  return createPostgresDb({ url: testDb.url, poolSize: 3, statementTimeoutMs: 30_000, echo: false, logger: silent });
}
