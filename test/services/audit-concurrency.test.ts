// Several writers and several instances on one PostgreSQL database (PGlite has one connection and
// one owning process, so neither happens there): sequence numbers follow the order the sealer sees
// commits, not insertion order; a transaction left open holds back nobody else's events; one
// instance seals while the others stand by.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/platform/db/index.js';
import { type AuditFixture, createAuditFixture } from '../audit/fixture.js';
import { secondConnection } from '../harness/db.js';

let f: AuditFixture;
let other: Db;
beforeAll(async () => {
  f = await createAuditFixture();
  other = secondConnection(f.testDb);
});
afterAll(async () => {
  await other.close();
  await f.close();
});

const seqOf = async (id: string) => (await f.testDb.db.query<{ seq: string }>('SELECT seq FROM audit_log WHERE event_id = $1', [id])).rows[0]?.seq;

describe('commit order', () => {
  it('seals an event inserted first but committed last after the ones committed before it', async () => {
    await f.append(3);
    await f.seal();
    let commit!: () => void;
    const released = new Promise<void>((resolve) => (commit = resolve));
    let inserted!: (id: string) => void;
    const early = new Promise<string>((resolve) => (inserted = resolve));
    const slow = other.session(async (s) => {
      await s.query('BEGIN');
      const { rows } = await s.query<{ id: string }>("INSERT INTO audit_events (event_type) VALUES ('slow.transaction') RETURNING id::text AS id");
      inserted(rows[0]?.id as string);
      await released;
      await s.query('COMMIT');
    });
    const slowId = await early;
    const [fastId] = await f.append(1, 'fast.transaction');
    await f.seal();
    expect(Number(await seqOf(fastId as string))).toBe(3);
    expect(await seqOf(slowId)).toBeUndefined();
    commit();
    await slow;
    await f.seal();
    expect(Number(await seqOf(slowId))).toBe(4);
    expect(await f.audit.reader.verify()).toMatchObject({ ok: true, treeSize: 5 });
  });

  it('gives one sequence number to each of many concurrent writers, with no gap', async () => {
    const before = f.audit.sealer.status().size;
    await Promise.all(Array.from({ length: 8 }, () => f.append(25)));
    await f.seal();
    const { rows } = await f.testDb.db.query<{ n: number; lo: number; hi: number }>('SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM audit_log WHERE seq >= $1', [before]);
    expect(rows.map((r) => [Number(r.n), Number(r.lo), Number(r.hi)])).toEqual([[200, before, before + 199]]);
    expect(await f.audit.reader.verify()).toMatchObject({ ok: true, treeSize: before + 200 });
  });
});

describe('one sealer per database', () => {
  it('lets one instance seal while another stands by, and hands over when the first stops', async () => {
    const testDb = f.testDb;
    const second = await createAuditFixture({}, testDb);
    try {
      await expect.poll(() => second.audit.sealer.status().role).toBe('standby');
      expect(f.audit.sealer.status().role).toBe('leader');
      expect(await second.audit.healthCheck()).toMatchObject({ message: expect.stringMatching(/^another instance seals/) });
      await second.append(5);
      await f.seal();
      const size = f.audit.sealer.status().size;
      await f.audit.sealer.stop();
      await second.append(5);
      await expect.poll(() => second.audit.sealer.status().role, { timeout: 10_000 }).toBe('leader');
      await second.seal();
      expect(second.audit.sealer.status().size).toBe(size + 5);
      expect(await second.audit.reader.verify()).toMatchObject({ ok: true, treeSize: size + 5 });
      f.audit.sealer.start();
    } finally {
      await second.close();
    }
  });
});
