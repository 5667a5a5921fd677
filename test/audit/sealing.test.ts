// The sealer: gap-free sequence numbers in the order commits are seen, signed checkpoints on time,
// restart from stored state, and the database's own refusals.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { verifyCheckpoint } from '../../src/modules/audit/checkpoint.js';
import { loadPublicKey } from '../../src/modules/audit/keys.js';
import { verifyCheckpointConsistency } from '../../src/modules/audit/verifier.js';
import type { Db, Session } from '../../src/platform/db/index.js';
import { createTestDb } from '../harness/db.js';
import { type AuditFixture, asOwner, createAuditFixture } from './fixture.js';

let fixtures: AuditFixture[] = [];
afterEach(async () => {
  for (const f of fixtures.reverse()) await f.close();
  fixtures = [];
});
async function fixture(...args: Parameters<typeof createAuditFixture>) {
  const f = await createAuditFixture(...args);
  fixtures.push(f);
  return f;
}
const seqs = async (f: AuditFixture) => (await f.testDb.db.query<{ seq: number }>('SELECT seq FROM audit_log ORDER BY seq')).rows.map((r) => Number(r.seq));
const checkpointCount = async (f: AuditFixture) => Number((await f.testDb.db.query<{ n: string }>('SELECT count(*) AS n FROM audit_checkpoints')).rows[0]?.n);

/** The database, counting the sealer's looks at its queue. */
function countingLooks(db: Db): { db: Db; looks: () => number } {
  let looks = 0;
  const seen = (text: string) => {
    if (text.includes('FROM audit_pending ORDER BY id')) looks++;
  };
  const session = (s: Session): Session => ({
    query: (text, params) => (seen(text), s.query(text, params)),
    exec: (script) => s.exec(script),
  });
  const counted: Db = {
    kind: db.kind,
    query: (text, params) => (seen(text), db.query(text, params)),
    transaction: (fn) => db.transaction(fn),
    session: (fn) => db.session((s) => fn(session(s))),
    poolStats: () => db.poolStats(),
    close: () => db.close(),
  };
  return { db: counted, looks: () => looks };
}

describe('sealing', () => {
  it('looks at an idle queue less and less often, yet seals a new event within the idle interval without being asked', async () => {
    const testDb = await createTestDb();
    const { db, looks } = countingLooks(testDb.db);
    try {
      const f = await fixture({}, { ...testDb, db });
      await vi.waitFor(() => expect(looks()).toBeGreaterThan(0), { timeout: 5_000, interval: 20 });
      const from = looks();
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      // Every 100 ms would be about 20 looks; backing off (waits of 200, 400, 800, then 1,000 ms)
      // makes 3 in these two seconds, 5 leaves room for a slow start.
      expect(looks() - from).toBeLessThanOrEqual(5);
      const [id] = await f.append(1);
      await vi.waitFor(
        async () => expect(Number((await db.query<{ n: number | string }>('SELECT count(*) AS n FROM audit_log WHERE event_id = $1', [id])).rows[0]?.n)).toBe(1),
        { timeout: 2_500, interval: 50 },
      );
    } finally {
      // The audit module before the database it writes to.
      for (const open of fixtures.splice(0)) await open.close();
      await testDb.close();
    }
  });

  it('numbers events gap-free, and seals an event committed late with an older timestamp after the newer ones', async () => {
    const f = await fixture();
    const first = await f.append(5);
    await f.seal();
    const late = await f.testDb.db.transaction((tx) =>
      tx.query<{ id: string }>("INSERT INTO audit_events (event_type, created_at) VALUES ('late.commit', now() - interval '1 hour') RETURNING id::text AS id"),
    );
    await f.seal();
    expect(await seqs(f)).toEqual([0, 1, 2, 3, 4, 5]);
    const { rows } = await f.testDb.db.query<{ event_id: string; seq: number }>('SELECT event_id::text AS event_id, seq FROM audit_log ORDER BY seq');
    expect(rows.map((r) => r.event_id)).toEqual([...first, late.rows[0]?.id]);
    expect(await f.audit.reader.verify()).toMatchObject({ ok: true, treeSize: 6, unsealed: 0 });
  });

  it('issues a checkpoint at least every interval while events arrive, and none while idle', async () => {
    const f = await fixture({ AUDIT_CHECKPOINT_INTERVAL_MS: '300' });
    await f.append(1);
    await vi.waitFor(async () => expect(await checkpointCount(f)).toBe(1), { timeout: 5_000, interval: 50 });
    await f.append(1);
    await vi.waitFor(async () => expect(await checkpointCount(f)).toBe(2), { timeout: 5_000, interval: 50 });
    const list = await f.audit.reader.checkpoints(10);
    const [newer, older] = list.map((c) => verifyCheckpoint(c.note, f.audit.keys.signing.publicKey));
    expect(newer?.ok && older?.ok).toBe(true);
    if (!newer?.ok || !older?.ok) return;
    expect([older.value.size, newer.value.size]).toEqual([1, 2]);
    expect(Date.parse(newer.value.timestamp) - Date.parse(older.value.timestamp)).toBeGreaterThanOrEqual(295);
    // Nothing new: no checkpoint however long we wait (absence cannot be awaited; three intervals).
    await new Promise((resolve) => setTimeout(resolve, 900));
    expect(await checkpointCount(f)).toBe(2);
  });

  it('signs checkpoints that an auditor checks with the public key alone, consistency included', async () => {
    const f = await fixture();
    await f.append(3);
    await f.seal();
    await f.append(7);
    await f.seal();
    const publicKey = f.audit.reader.publicKey().pem;
    const [newer, older] = await f.audit.reader.checkpoints(2);
    const key = loadPublicKey(publicKey);
    expect(key.ok && verifyCheckpoint(newer?.note, key.value, f.audit.keys.origin).ok).toBe(true);
    const proof = await f.audit.reader.consistency(older?.size as number, newer?.size);
    expect(proof).toMatchObject({ oldSize: older?.size, newSize: 10, oldCheckpoint: older?.note, newCheckpoint: newer?.note });
    expect(verifyCheckpointConsistency({ publicKey, older: older?.note as string, newer: newer?.note as string, proof: proof.hashes })).toEqual({ ok: true });
  });

  it('resumes after a restart from the stored state, subtree hashes and all', async () => {
    const testDb = await createTestDb();
    try {
      const a = await createAuditFixture({}, testDb);
      await a.appendMany(300);
      await a.close();
      const b = await createAuditFixture({}, testDb);
      fixtures.push(b);
      await b.append(20);
      await b.seal();
      expect(await b.audit.reader.verify()).toMatchObject({ ok: true, treeSize: 320, unsealed: 0 });
      const { rows } = await testDb.db.query<{ level: number; index: string }>('SELECT level, index FROM audit_nodes ORDER BY level, index');
      expect(rows.map((r) => `${r.level}/${r.index}`)).toEqual(['8/0']);
      await b.close();
      fixtures = [];
    } finally {
      await testDb.close();
    }
  });

  it('reports an unsealed event that vanished as a critical security event, and keeps going', async () => {
    const f = await fixture();
    await f.append(2);
    const vanished = await f.testDb.db.transaction(async (tx) => {
      const id = await f.audit.service.record(tx, { type: 'soon.gone' });
      await tx.query('SET LOCAL session_replication_role = replica');
      await tx.query('DELETE FROM audit_events WHERE id = $1', [id]);
      return id;
    });
    await f.seal();
    await f.seal();
    const { rows } = await f.testDb.db.query<{ severity: string; detail: { event_id: string } }>("SELECT severity, detail FROM security_events WHERE event_type = 'audit_event_vanished'");
    expect(rows).toEqual([{ severity: 'critical', detail: { stream: 'audit', event_id: vanished } }]);
    expect(await f.audit.reader.verify()).toMatchObject({ ok: true, treeSize: 3, unsealed: 0 });
  });

  it('refuses UPDATE, DELETE and TRUNCATE on every audit table; queue markers go only with the sealer', async () => {
    const f = await fixture();
    await f.append(1);
    await f.seal();
    const db = f.testDb.db;
    for (const table of ['audit_events', 'audit_log', 'audit_checkpoints', 'audit_nodes', 'audit_truncations', 'audit_evidence', 'security_events', 'query_audit_log']) {
      await expect(db.query(`TRUNCATE ${table} CASCADE`), table).rejects.toThrow(`audit table ${table} is append-only`);
    }
    await expect(db.query("UPDATE audit_events SET outcome = 'denied'")).rejects.toThrow('audit table audit_events is append-only');
    await expect(db.query('DELETE FROM audit_log')).rejects.toThrow('audit table audit_log is append-only');
    await expect(db.query("UPDATE audit_checkpoints SET note = 'x'")).rejects.toThrow('append-only');
    await f.append(1);
    await expect(db.query('DELETE FROM audit_pending')).rejects.toThrow('audit_pending rows are removed only by the sealer');
  });

  it('commits an audit event synchronously even when the session asked for asynchronous commit', async () => {
    const f = await fixture();
    const setting = await f.testDb.db.transaction(async (tx) => {
      await tx.query('SET LOCAL synchronous_commit = off');
      await f.audit.service.record(tx, { type: 'durable.event' });
      return (await tx.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]?.synchronous_commit;
    });
    expect(setting).toBe('on');
  });

  it('refuses to seal on top of a log shorter than its newest checkpoint, and says so in health', async () => {
    const f = await fixture();
    await f.append(6);
    await f.seal();
    await f.audit.sealer.stop();
    await asOwner(f.testDb, async (db) => {
      await db.query('DELETE FROM audit_log WHERE seq >= 4');
    });
    f.audit.sealer.start();
    await vi.waitFor(() => expect(f.audit.sealer.status().role).toBe('failed'), { timeout: 5_000, interval: 20 });
    expect(f.audit.sealer.status().error).toContain('the log has 4 events but its newest checkpoint covers 6 (truncated or rolled back)');
    expect(await f.audit.healthCheck()).toMatchObject({ status: 'unhealthy', message: expect.stringContaining('sealer stopped') });
  });
});
