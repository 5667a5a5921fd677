import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type Migration, MigrationError, loadMigrations, migrate } from '../../src/platform/db/index.js';
import { type TestDb, createEmptyDb, secondConnection } from '../harness/db.js';

const silent = pino({ level: 'silent' });
const m = (version: number, name: string, sql: string): Migration => ({ version, name, file: `${String(version).padStart(4, '0')}_${name}.sql`, sql, checksum: `${name}:${sql}` });

let testDb: TestDb | undefined;
afterEach(async () => {
  await testDb?.close();
  testDb = undefined;
});

describe('migrations', () => {
  it('applies the whole chain to an empty database, then is a no-op', async () => {
    testDb = await createEmptyDb();
    const chain = loadMigrations();
    expect(await migrate(testDb.db, silent)).toEqual(chain.map((x) => x.file));
    expect(await migrate(testDb.db, silent)).toEqual([]);
    const { rows } = await testDb.db.query<{ indexname: string }>(
      "SELECT indexname FROM pg_indexes WHERE tablename IN ('query_audit_log', 'security_events') AND indexname LIKE 'idx_%' ORDER BY indexname",
    );
    expect(rows.map((r) => r.indexname)).toEqual([
      'idx_audit_created', 'idx_audit_log_request_id', 'idx_audit_log_success', 'idx_audit_log_user_ts',
      'idx_security_event_type_ts', 'idx_security_ip', 'idx_security_severity_ts', 'idx_security_timestamp', 'idx_security_user_ts',
    ]);
  });

  it('refuses a migration edited after it was applied, naming it', async () => {
    testDb = await createEmptyDb();
    await migrate(testDb.db, silent, [m(1, 'a', 'CREATE TABLE t_a (id int)')]);
    await expect(migrate(testDb.db, silent, [m(1, 'a', 'CREATE TABLE t_a (id bigint)')])).rejects.toThrow(
      new MigrationError('Migration 0001_a.sql was edited after it was applied (checksum differs); add a new migration instead'),
    );
  });

  it('refuses when an applied migration file is missing', async () => {
    testDb = await createEmptyDb();
    await migrate(testDb.db, silent, [m(1, 'a', 'SELECT 1'), m(2, 'b', 'SELECT 2')]);
    await expect(migrate(testDb.db, silent, [m(1, 'a', 'SELECT 1')])).rejects.toThrow('Migration 0002_b is applied in the database but its file is missing');
  });

  it('refuses a migration older than the newest applied one', async () => {
    testDb = await createEmptyDb();
    await migrate(testDb.db, silent, [m(1, 'a', 'SELECT 1'), m(3, 'c', 'SELECT 3')]);
    await expect(migrate(testDb.db, silent, [m(1, 'a', 'SELECT 1'), m(2, 'b', 'SELECT 2'), m(3, 'c', 'SELECT 3')])).rejects.toThrow(
      'Migration 0002_b.sql is older than the newest applied migration but was never applied (out of order)',
    );
  });

  it('rolls back a failing migration and records nothing for it', async () => {
    testDb = await createEmptyDb();
    await expect(migrate(testDb.db, silent, [m(1, 'a', 'CREATE TABLE t_ok (id int); SELECT no_such_function()')])).rejects.toThrow();
    const { rows } = await testDb.db.query("SELECT to_regclass('t_ok') AS t, (SELECT count(*) FROM schema_migrations) AS n");
    expect(rows[0]).toEqual({ t: null, n: 0 });
  });

  it('ends two concurrent runs with one applied chain', async () => {
    testDb = await createEmptyDb();
    const other = secondConnection(testDb);
    const [a, b] = await Promise.all([migrate(testDb.db, silent), migrate(other, silent)]);
    if (other !== testDb.db) await other.close();
    const chain = loadMigrations();
    expect([...a, ...b].sort()).toEqual(chain.map((x) => x.file).sort());
    const { rows } = await testDb.db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
    expect(rows[0]?.n).toBe(chain.length);
  });

  it('refuses a chain with a gap or a misnamed file when loading it', () => {
    const gap = mkdtempSync(join(tmpdir(), 'aureus-mig-'));
    writeFileSync(join(gap, '0001_first.sql'), 'SELECT 1');
    writeFileSync(join(gap, '0003_third.sql'), 'SELECT 3');
    expect(() => loadMigrations(gap)).toThrow('Migration chain has a gap: expected version 0002, found 0003_third.sql');
    const misnamed = mkdtempSync(join(tmpdir(), 'aureus-mig-'));
    writeFileSync(join(misnamed, '1_first.sql'), 'SELECT 1');
    expect(() => loadMigrations(misnamed)).toThrow('Migration file 1_first.sql is not named NNNN_name.sql');
  });

  it('makes the audit tables append-only', async () => {
    testDb = await createEmptyDb();
    await migrate(testDb.db, silent);
    await testDb.db.query("INSERT INTO audit_events (event_type) VALUES ('test.event')");
    await expect(testDb.db.query("UPDATE audit_events SET event_type = 'forged'")).rejects.toThrow('audit table audit_events is append-only');
    await expect(testDb.db.query('DELETE FROM audit_events')).rejects.toThrow('append-only');
    await testDb.db.query("INSERT INTO security_events (event_type, severity) VALUES ('auth_failure', 'low')");
    await expect(testDb.db.query('DELETE FROM security_events')).rejects.toThrow('append-only');
  });
});
