// `aureus audit verify|checkpoint|public-key` as an operator runs them against the configured store.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createPgliteDb } from '../../src/platform/db/index.js';
import { type TestDb, createTestDb } from '../harness/db.js';
import { BACKEND } from '../harness/env.js';
import { runAureus } from '../harness/process.js';
import { asOwner } from './fixture.js';

// Each step is a real process that starts a runtime (and, embedded, a WASM database).
// Twelve real processes; under a loaded 2-core CI run this can take minutes.
const SLOW = { timeout: 420_000 };

/** The store the CLI used, opened here once the CLI has exited (PGlite has one owner at a time). */
async function withStore(vars: Record<string, string>, testDb: TestDb | undefined, fn: (store: TestDb) => Promise<void>): Promise<void> {
  if (testDb) return fn(testDb);
  const db = await createPgliteDb({ dir: join(vars.DATA_DIR as string, 'meta'), echo: false, logger: pino({ level: 'silent' }) });
  try {
    await fn({ db, url: undefined, close: () => db.close() });
  } finally {
    await db.close();
  }
}

describe('aureus audit', () => {
  it('verifies the log, prints checkpoints and the key, catches a rollback against a kept checkpoint, and names the first bad sequence number', SLOW, async () => {
    const testDb = BACKEND === 'services' ? await createTestDb() : undefined;
    const dir = mkdtempSync(join(tmpdir(), 'aureus-cli-audit-'));
    const vars: Record<string, string> = { ADMIN_PASSWORD: 'bootstrap-admin-password-1', ...(testDb ? { DATABASE_URL: testDb.url as string } : { DATA_DIR: dir }) };
    try {
      // Acts that write audit events; each command seals and checkpoints what it wrote on exit.
      expect((await runAureus(['admin', 'kill-switch', 'on', '--reason', 'drill'], vars)).code).toBe(0);
      const ok = await runAureus(['audit', 'verify'], vars);
      expect([ok.code, ok.stderr]).toEqual([0, '']);
      expect(ok.stdout).toMatch(/^OK: the audit log verifies: 2 events \(seq 0–1\), [12] signed checkpoints, 0 waiting to be sealed\.\n$/);

      const saved = join(dir, 'trusted-checkpoint.txt');
      const checkpoint = await runAureus(['audit', 'checkpoint'], vars);
      expect(checkpoint.stdout).toMatch(/^aureus\.audit\/[0-9a-f]{16}\n2\n[A-Za-z0-9+/]{43}=\n\d{4}-\d{2}-\d{2}T[\d:.]+Z\n\n— aureus\.audit\/[0-9a-f]{16} \S+\n$/);
      writeFileSync(saved, checkpoint.stdout);
      const key = await runAureus(['audit', 'public-key'], vars);
      expect(key.stdout).toMatch(/^# origin aureus\.audit\/[0-9a-f]{16}, key id [0-9a-f]{8}\n-----BEGIN PUBLIC KEY-----\n/);

      expect((await runAureus(['admin', 'kill-switch', 'off'], vars)).code).toBe(0);
      const extended = await runAureus(['audit', 'verify', '--from-checkpoint', saved], vars);
      expect([extended.code, extended.stdout]).toEqual([0, expect.stringContaining('3 events (seq 0–2)')]);
      const extendedCheckpoint = (await runAureus(['audit', 'checkpoint'], vars)).stdout;

      // Restore "yesterday's backup": the last event and its checkpoint disappear together. The
      // database alone still looks whole; the checkpoint kept outside it does not agree.
      await withStore(vars, testDb, (store) =>
        asOwner(store, async (db) => {
          await db.query('DELETE FROM audit_events e USING audit_log l WHERE l.event_id = e.id AND l.seq >= 2');
          await db.query('DELETE FROM audit_log WHERE seq >= 2');
          await db.query('DELETE FROM audit_checkpoints WHERE tree_size > 2');
        }),
      );
      expect((await runAureus(['audit', 'verify'], vars)).code).toBe(0);
      const kept = join(dir, 'kept.txt');
      writeFileSync(kept, extendedCheckpoint);
      const caught = await runAureus(['audit', 'verify', '--from-checkpoint', kept], vars);
      const keptAt = extendedCheckpoint.split('\n')[3];
      expect([caught.code, caught.stdout]).toEqual([1, `FAIL: first bad sequence number 2: rolled_back: the trusted checkpoint (${keptAt}) covers 3 events but the log now has 2\n`]);

      await withStore(vars, testDb, (store) =>
        asOwner(store, async (db) => {
          await db.query("UPDATE audit_events SET details = '{\"on\": false}' FROM audit_log l WHERE l.event_id = audit_events.id AND l.seq = 1");
        }),
      );
      const bad = await runAureus(['audit', 'verify'], vars);
      expect(bad.code).toBe(1);
      expect(bad.stdout).toMatch(/^FAIL: first bad sequence number 1: edited: the audit event [0-9a-f-]{36} at seq 1 was changed after it was sealed/);
      const json = await runAureus(['audit', 'verify', '--format', 'json'], vars);
      expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, first_bad_seq: 1, problem: { kind: 'edited', seq: 1 } });

      const missing = await runAureus(['audit', 'verify', '--from-checkpoint', join(dir, 'nope.txt')], vars);
      expect([missing.code, missing.stderr]).toEqual([2, expect.stringMatching(/^aureus: cannot read .*nope\.txt/)]);
    } finally {
      await testDb?.close();
    }
  });
});
