// Tampering done directly in the database, as an attacker with the owner's rights would (triggers
// off), must fail verification and name the first bad sequence number and what is wrong.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { signCheckpoint } from '../../src/modules/audit/checkpoint.js';
import { generateSigningKey } from '../../src/modules/audit/keys.js';
import { leafDocJoin, leafHashOf } from '../../src/modules/audit/leaf.js';
import { createAppender } from '../../src/modules/audit/merkle.js';
import type { Executor } from '../../src/platform/db/index.js';
import { type AuditFixture, asOwner, createAuditFixture, eventAt } from './fixture.js';

let f: AuditFixture;
afterEach(() => f?.close());

/**
 * 40 events under checkpoints of size 10, 25 and 40 (the very first checkpoint may come earlier:
 * it is due as soon as anything is sealed); the sealer then stops.
 */
async function sealedLog(): Promise<AuditFixture> {
  f = await createAuditFixture();
  for (const n of [10, 15, 15]) {
    await f.append(n);
    await f.seal();
  }
  await f.audit.sealer.stop();
  const clean = await f.audit.reader.verify();
  expect(clean).toMatchObject({ ok: true, treeSize: 40 });
  expect(clean.checkpointsVerified).toBeGreaterThanOrEqual(3);
  return f;
}

async function expectProblem(kind: string, seq: number, trusted?: string) {
  const report = await f.audit.reader.verify(trusted);
  expect(report.ok, JSON.stringify(report.problems)).toBe(false);
  expect(report.problem).toMatchObject({ kind, seq });
  return report;
}

const docOf = async (db: Executor, eventId: string) =>
  (await db.query<{ doc: string }>(`SELECT d.doc FROM (SELECT 'audit'::text AS stream, $1::uuid AS event_id) x ${leafDocJoin('x')}`, [eventId])).rows[0]?.doc as string;

describe('tampering in the database', () => {
  it('edit a field of a sealed event: edited, at its seq', async () => {
    await sealedLog();
    const id = await eventAt(f.testDb.db, 7);
    await asOwner(f.testDb, (db) => db.query(`UPDATE audit_events SET details = '{"n": 9999, "note": "ünïcödé ✓"}' WHERE id = $1`, [id]).then(() => undefined));
    const report = await expectProblem('edited', 7);
    expect(report.problem?.message).toContain('changed after it was sealed');
  });

  it('delete an event row: deleted, at its seq', async () => {
    await sealedLog();
    const id = await eventAt(f.testDb.db, 12);
    await asOwner(f.testDb, (db) => db.query('DELETE FROM audit_events WHERE id = $1', [id]).then(() => undefined));
    expect((await expectProblem('deleted', 12)).problem?.message).toContain('is gone');
  });

  it('delete an event with its log row: deleted, at the gap', async () => {
    await sealedLog();
    const id = await eventAt(f.testDb.db, 12);
    await asOwner(f.testDb, async (db) => {
      await db.query('DELETE FROM audit_events WHERE id = $1', [id]);
      await db.query('DELETE FROM audit_log WHERE seq = 12');
    });
    expect((await expectProblem('deleted', 12)).problem?.message).toContain('12–12 are missing');
  });

  it('delete a row and renumber the rest: deleted, at its seq', async () => {
    await sealedLog();
    const id = await eventAt(f.testDb.db, 12);
    await asOwner(f.testDb, async (db) => {
      await db.query('DELETE FROM audit_events WHERE id = $1', [id]);
      await db.query('DELETE FROM audit_log WHERE seq = 12');
      await db.query('UPDATE audit_log SET seq = seq + 1000 WHERE seq > 12');
      await db.query('UPDATE audit_log SET seq = seq - 1001 WHERE seq > 1000');
    });
    expect((await expectProblem('deleted', 12)).problem?.message).toContain('was sealed as seq 13');
  });

  it('insert a row behind the log (never sealed): inserted, before the seq it precedes', async () => {
    await sealedLog();
    const { rows } = await f.testDb.db.query<{ at: string }>("SELECT created_at::text AS at FROM audit_events e JOIN audit_log l ON l.event_id = e.id WHERE l.seq = 4");
    await asOwner(f.testDb, (db) => db.query("INSERT INTO audit_events (event_type, created_at) VALUES ('forged.event', $1::timestamptz + interval '1 microsecond')", [rows[0]?.at]).then(() => undefined));
    expect((await expectProblem('inserted', 5)).problem?.message).toContain('was never sealed');
  });

  it('insert a row into the log and renumber, re-hashing without the key: inserted, at its seq', async () => {
    await sealedLog();
    await asOwner(f.testDb, async (db) => {
      const { rows } = await db.query<{ id: string }>("INSERT INTO audit_events (event_type) VALUES ('forged.event') RETURNING id::text AS id");
      const forged = rows[0]?.id as string;
      await db.query('UPDATE audit_log SET seq = seq + 1001 WHERE seq >= 5');
      await db.query('UPDATE audit_log SET seq = seq - 1000 WHERE seq > 1000');
      const leaf = leafHashOf('audit', 5, await docOf(db, forged));
      await db.query("INSERT INTO audit_log (seq, stream, event_id, leaf_hash, seal) VALUES (5, 'audit', $1, $2, $3)", [forged, leaf, randomBytes(32)]);
    });
    expect((await expectProblem('inserted', 5)).problem?.message).toContain('was sealed as seq 5');
  });

  it('swap two rows of the log: reordered, at the first', async () => {
    await sealedLog();
    await asOwner(f.testDb, async (db) => {
      await db.query('UPDATE audit_log SET seq = 1000 WHERE seq = 8');
      await db.query('UPDATE audit_log SET seq = 8 WHERE seq = 9');
      await db.query('UPDATE audit_log SET seq = 9 WHERE seq = 1000');
    });
    expect((await expectProblem('reordered', 8)).problem?.message).toBe("seq 8 and seq 9 hold each other's events");
  });

  it('truncate the tail: truncated, at the first missing seq', async () => {
    await sealedLog();
    await asOwner(f.testDb, async (db) => {
      await db.query("DELETE FROM audit_events e USING audit_log l WHERE l.event_id = e.id AND l.seq >= 35");
      await db.query('DELETE FROM audit_log WHERE seq >= 35');
    });
    expect((await expectProblem('truncated', 35)).problem?.message).toContain('covers 40 events');
  });

  it('edit an event and re-hash everything without the key: edited, at its seq (the seal gives it away)', async () => {
    await sealedLog();
    const id = await eventAt(f.testDb.db, 7);
    await asOwner(f.testDb, async (db) => {
      await db.query(`UPDATE audit_events SET outcome = 'denied' WHERE id = $1`, [id]);
      await db.query('UPDATE audit_log SET leaf_hash = $1 WHERE seq = 7', [leafHashOf('audit', 7, await docOf(db, id))]);
      // The attacker also recomputes every stored root and frontier; the notes they cannot re-sign.
      const leaves = (await db.query<{ leaf_hash: Buffer }>('SELECT leaf_hash FROM audit_log ORDER BY seq')).rows.map((r) => Buffer.from(r.leaf_hash));
      for (const size of [10, 25, 40]) {
        const appender = createAppender();
        appender.append(leaves.slice(0, size));
        await db.query('UPDATE audit_checkpoints SET root_hash = $1, frontier = $2 WHERE tree_size = $3', [appender.root(), JSON.stringify(appender.state().frontier.map((h) => h.toString('base64'))), size]);
      }
    });
    expect((await expectProblem('edited', 7)).problem?.message).toContain('not sealed by the audit key');
  });

  it('forge a checkpoint with another key: forged_checkpoint, from the last good checkpoint', async () => {
    await sealedLog();
    const { origin } = f.audit.keys;
    const fake = generateSigningKey();
    await asOwner(f.testDb, async (db) => {
      const { rows } = await db.query<{ root_hash: Buffer }>('SELECT root_hash FROM audit_checkpoints WHERE tree_size = 25');
      const note = signCheckpoint(fake, { origin, size: 25, rootHash: Buffer.from(rows[0]?.root_hash as Buffer), timestamp: new Date().toISOString() });
      await db.query('UPDATE audit_checkpoints SET note = $1, key_id = $2 WHERE tree_size = 25', [note, fake.keyId]);
    });
    const report = await expectProblem('forged_checkpoint', 10);
    expect(report.problem?.message).toContain(`signed by key ${fake.keyId}`);
  });

  it('fork: a second validly signed root for a size already checkpointed: forked, from the last good checkpoint', async () => {
    await sealedLog();
    const { signing, origin } = f.audit.keys;
    const note = signCheckpoint(signing, { origin, size: 25, rootHash: randomBytes(32), timestamp: new Date().toISOString() });
    await asOwner(f.testDb, async (db) => {
      const { rows } = await db.query<{ frontier: unknown }>('SELECT frontier FROM audit_checkpoints WHERE tree_size = 25');
      const root = Buffer.from(note.split('\n')[2] as string, 'base64');
      await db.query("INSERT INTO audit_checkpoints (tree_size, root_hash, note, key_id, frontier) VALUES (25, $1, $2, $3, $4)", [root, note, signing.keyId, JSON.stringify(rows[0]?.frontier)]);
    });
    expect((await expectProblem('forked', 10)).problem?.message).toContain('signs a different history');
  });

  it('roll back to an earlier state: clean by itself, rolled_back against the checkpoint an auditor kept', async () => {
    await sealedLog();
    const trusted = (await f.audit.reader.verify()).latestCheckpoint as string;
    await asOwner(f.testDb, async (db) => {
      await db.query("DELETE FROM audit_events e USING audit_log l WHERE l.event_id = e.id AND l.seq >= 25");
      await db.query('DELETE FROM audit_log WHERE seq >= 25');
      await db.query('DELETE FROM audit_checkpoints WHERE tree_size > 25');
    });
    expect(await f.audit.reader.verify()).toMatchObject({ ok: true, treeSize: 25 });
    expect((await expectProblem('rolled_back', 25, trusted)).problem?.message).toContain('covers 40 events but the log now has 25');
  });

  it('roll back and write new history over it: forked against the kept checkpoint, where the histories part', async () => {
    await sealedLog();
    const trusted = (await f.audit.reader.verify()).latestCheckpoint as string;
    await asOwner(f.testDb, async (db) => {
      await db.query("DELETE FROM audit_events e USING audit_log l WHERE l.event_id = e.id AND l.seq >= 10");
      await db.query('DELETE FROM audit_log WHERE seq >= 10');
      await db.query('DELETE FROM audit_checkpoints WHERE tree_size > 10');
    });
    // The rolled-back instance seals new events with its (real) key: a second, signed history.
    f.audit.sealer.start();
    await f.append(35, 'rewritten.event');
    await f.seal();
    expect(await f.audit.reader.verify()).toMatchObject({ ok: true, treeSize: 45 });
    expect((await expectProblem('forked', 10, trusted)).problem?.message).toContain('different root');
  });
});
