// Retention: the only path that deletes audit rows. It drops whole sealed ranges under a signed
// truncation record, and verification, proofs and sealing carry on from there.
import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { configFrom } from '../../src/config/index.js';
import { RETENTION_JOB, createAuditModule } from '../../src/modules/audit/index.js';
import { eventProof } from '../../src/modules/audit/proof-service.js';
import { type JobHandler, type JobQueue, createMemoryQueue } from '../../src/platform/queue/index.js';
import { verifyCheckpointConsistency, verifyEventInclusion } from '../../src/modules/audit/verifier.js';
import { type AuditFixture, asOwner, createAuditFixture, eventAt } from './fixture.js';

let f: AuditFixture;
afterEach(() => f?.close());
const DAY = 86_400_000;
const count = async (table: string) => Number((await f.testDb.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n);

/** 600 events sealed, in 300-event batches, retention one day. */
async function oldLog(): Promise<AuditFixture> {
  f = await createAuditFixture({ AUDIT_RETENTION_DAYS: '1' });
  for (let i = 0; i < 2; i++) {
    await f.appendMany(300);
    await f.seal();
  }
  return f;
}

describe('retention', () => {
  it('keeps everything younger than AUDIT_RETENTION_DAYS', async () => {
    await oldLog();
    expect(await f.audit.retention()).toEqual({ firstSeq: 0, deletedEvents: 0 });
    expect(await count('audit_events')).toBe(600);
  });

  it('drops whole sealed 256-event ranges under a signed record, and verification still passes', async () => {
    await oldLog();
    const kept = await eventAt(f.testDb.db, 599);
    expect(await f.audit.retention(Date.now() + 2 * DAY)).toEqual({ firstSeq: 512, deletedEvents: 512 });
    expect(await count('audit_events')).toBe(88);
    expect(await count('audit_log')).toBe(88);
    const { rows } = await f.testDb.db.query<{ statement: string }>('SELECT statement FROM audit_truncations');
    expect(rows[0]?.statement).toMatch(new RegExp(`^aureus-audit-truncation-v1\\n${f.audit.keys.origin}\\n512\\n[A-Za-z0-9+/]{43}=\\n\\d{4}-`));
    expect(await f.audit.reader.verify()).toMatchObject({ ok: true, firstSeq: 512, treeSize: 600 });

    // Sealing, proofs and consistency carry on above the floor.
    await f.append(10);
    await f.seal();
    expect(await f.audit.reader.verify()).toMatchObject({ ok: true, firstSeq: 512, treeSize: 610 });
    const publicKey = f.audit.reader.publicKey().pem;
    const proof = await eventProof(f.testDb.db, 'audit', kept);
    expect(proof?.seq).toBe(599);
    expect(verifyEventInclusion({ publicKey, checkpoint: proof?.inclusion?.checkpoint as string, eventJson: proof?.leaf, index: 599, proof: proof?.inclusion?.hashes as string[] })).toEqual({ ok: true });
    const [newest] = await f.audit.reader.checkpoints(1);
    const consistency = await f.audit.reader.consistency(600);
    expect(consistency.newSize).toBe(610);
    const older = (await f.audit.reader.checkpoints(10)).find((c) => c.size === 600);
    expect(verifyCheckpointConsistency({ publicKey, older: older?.note as string, newer: newest?.note as string, proof: consistency.hashes })).toEqual({ ok: true });
    await expect(f.audit.reader.consistency(100)).rejects.toThrow('below the retention floor 512');
  });

  it('is the only way to delete: the triggers refuse anything above the floor or without the job\'s setting', async () => {
    await oldLog();
    await f.audit.retention(Date.now() + 2 * DAY);
    const db = f.testDb.db;
    await expect(db.query('DELETE FROM audit_log WHERE seq = 520')).rejects.toThrow('append-only');
    await expect(db.transaction(async (tx) => {
      await tx.query("SELECT set_config('aureus.audit_retention', 'on', true)");
      await tx.query('DELETE FROM audit_log WHERE seq = 520');
    })).rejects.toThrow('audit table audit_log is append-only');
    await expect(db.transaction(async (tx) => {
      await tx.query("SELECT set_config('aureus.audit_retention', 'on', true)");
      await tx.query("DELETE FROM audit_events e USING audit_log l WHERE l.event_id = e.id AND l.seq = 530");
    })).rejects.toThrow('audit table audit_events is append-only');
    await expect(db.query('DELETE FROM audit_truncations')).rejects.toThrow('append-only');
  });

  it('catches rows deleted under a truncation record that the key did not sign', async () => {
    await oldLog();
    await asOwner(f.testDb, async (db) => {
      await db.query("INSERT INTO audit_truncations (first_seq, root_hash, frontier, statement, signature, key_id) VALUES (256, '\\x00', '[]', 'forged', 'AAAA', 'beef0000')");
      await db.query('DELETE FROM audit_events e USING audit_log l WHERE l.event_id = e.id AND l.seq < 256');
      await db.query('DELETE FROM audit_log WHERE seq < 256');
    });
    const report = await f.audit.reader.verify();
    expect(report.problem).toMatchObject({ kind: 'deleted', seq: 0 });
    expect(report.problem?.message).toContain('retention record that does not verify');
  });

  it('is a daily job of the queue', async () => {
    await oldLog();
    const handlers = new Map<string, JobHandler>();
    const scheduled: string[] = [];
    const queue = createMemoryQueue({ concurrency: 1, logger: pino({ level: 'silent' }) });
    const recording: JobQueue = { ...queue, handle: (name, fn) => void handlers.set(name, fn), schedule: async (name, cron) => void scheduled.push(`${name} ${cron}`) };
    const module = await createAuditModule({ db: f.testDb.db, config: configFrom({ DATA_DIR: f.dataDir }), logger: pino({ level: 'silent' }), queue: recording });
    await module.start();
    await module.close();
    expect(scheduled).toEqual([`${RETENTION_JOB} 17 3 * * *`]);
    const run = handlers.get(RETENTION_JOB) as JobHandler;
    expect(await run({ id: 'j1', name: RETENTION_JOB, data: {}, attempt: 1 })).toEqual({ firstSeq: 0, deletedEvents: 0 });
  });
});
