import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import pino from 'pino';
import type { TestProject } from 'vitest/node';
import { createPgliteDb, loadMigrations, migrate } from '../../src/platform/db/index.js';
import { createPostgresDb } from '../../src/platform/db/postgres.js';
import { TEMPLATE_DB, TEST_DATABASE_URL, TEST_REDIS_URL, assertTestDatabase, databaseUrl } from './env.js';

const silent = pino({ level: 'silent' });

/** A migrated PGlite as a tarball, rebuilt only when the migrations change. */
async function pgliteSnapshot(): Promise<string> {
  const chain = loadMigrations();
  const hash = createHash('sha256').update(chain.map((m) => m.checksum).join()).digest('hex').slice(0, 16);
  const dir = join(process.cwd(), '.tmp', 'test');
  const file = join(dir, `pglite-${hash}.tar`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const db = await createPgliteDb({ echo: false, logger: silent });
  await migrate(db, silent, chain);
  writeFileSync(file, Buffer.from(await (await db.dump()).arrayBuffer()));
  await db.close();
  return file;
}

/** A migrated template database; each test file clones it (CREATE DATABASE … TEMPLATE). */
async function postgresTemplate(base: string): Promise<void> {
  assertTestDatabase(TEMPLATE_DB);
  const admin = new pg.Client({ connectionString: base });
  await admin.connect().catch((err: Error) => {
    throw new Error(`TEST_DATABASE_URL is set but PostgreSQL is not reachable: ${err.message}`);
  });
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
    // Leftovers of interrupted runs.
    const { rows } = await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'aureus_test_f%'");
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  const db = createPostgresDb({ url: databaseUrl(base, TEMPLATE_DB), poolSize: 1, statementTimeoutMs: 30_000, echo: false, logger: silent });
  await migrate(db, silent);
  await db.close();
}

async function checkRedis(url: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2_000, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(`TEST_REDIS_URL is set but Redis is not reachable: ${(err as Error).message}`);
  } finally {
    redis.disconnect();
  }
}

export default async function setup(project: TestProject): Promise<void> {
  project.provide('pgliteSnapshot', await pgliteSnapshot());
  if (TEST_DATABASE_URL && TEST_REDIS_URL) {
    await postgresTemplate(TEST_DATABASE_URL);
    await checkRedis(TEST_REDIS_URL);
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteSnapshot: string;
  }
}
