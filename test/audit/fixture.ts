// The audit module on a fresh test database, without the rest of the app: the tamper and retention
// suites build many small logs, and a whole app (first admin, argon2) per log would be slow.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { type VarName, configFrom } from '../../src/config/index.js';
import { type AuditModule, createAuditModule } from '../../src/modules/audit/index.js';
import type { Executor } from '../../src/platform/db/index.js';
import { type TestDb, createTestDb } from '../harness/db.js';

export interface AuditFixture {
  testDb: TestDb;
  audit: AuditModule;
  dataDir: string;
  /** Appends events, each in its own transaction; returns their ids in order. */
  append(n: number, type?: string): Promise<string[]>;
  /** Appends events in one transaction (faster, when commit order does not matter to the test). */
  appendMany(n: number): Promise<void>;
  /** Seals everything committed and issues a checkpoint. */
  seal(): Promise<void>;
  close(): Promise<void>;
}

export async function createAuditFixture(vars: Partial<Record<VarName, string>> = {}, testDb?: TestDb): Promise<AuditFixture> {
  const ownDb = testDb ? undefined : await createTestDb();
  const db = (testDb ?? ownDb) as TestDb;
  const dataDir = mkdtempSync(join(tmpdir(), 'aureus-audit-'));
  // A long interval: these suites decide when checkpoints happen, through seal().
  const config = configFrom({ ENVIRONMENT: 'test', DATA_DIR: dataDir, AUDIT_CHECKPOINT_INTERVAL_MS: '3600000', ...vars });
  // FIXTURE_LOG=warn shows the module's own logs when a test needs explaining.
  const audit = await createAuditModule({ db: db.db, config, logger: pino({ level: process.env.FIXTURE_LOG ?? 'silent' }) });
  await audit.start();
  let counter = 0;
  return {
    testDb: db,
    audit,
    dataDir,
    async append(n, type = 'test.event') {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        counter++;
        ids.push(await db.db.transaction((tx) => audit.service.record(tx, { type, resourceType: 'thing', resourceId: `r${counter}`, details: { n: counter, note: 'ünïcödé ✓' } })));
      }
      return ids;
    },
    async appendMany(n) {
      await db.db.transaction(async (tx) => {
        for (let i = 0; i < n; i++) await audit.service.record(tx, { type: 'test.event', resourceId: `r${++counter}` });
      });
    },
    seal: () => audit.sealer.flush(),
    async close() {
      await audit.close();
      await ownDb?.close();
    },
  };
}

/**
 * Runs SQL the way an attacker with the database owner's rights would: triggers off for the
 * session (`session_replication_role = replica`), so the append-only guards do not fire.
 */
export async function asOwner(testDb: TestDb, fn: (db: Executor) => Promise<void>): Promise<void> {
  await testDb.db.session(async (s) => {
    await s.query('SET session_replication_role = replica');
    try {
      await fn(s);
    } finally {
      await s.query('RESET session_replication_role');
    }
  });
}

/** The event id sealed at `seq`. */
export async function eventAt(db: Executor, seq: number): Promise<string> {
  const { rows } = await db.query<{ event_id: string }>('SELECT event_id::text AS event_id FROM audit_log WHERE seq = $1', [seq]);
  if (!rows[0]) throw new Error(`nothing sealed at seq ${seq}`);
  return rows[0].event_id;
}
