// Settings every PostgreSQL metadata connection carries. Services only: PGlite is built without
// LLVM, so it never JIT-compiles whatever its `jit` setting says.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDb, createTestDb } from '../harness/db.js';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(() => t.close());

describe('metadata connections', () => {
  it('never JIT-compile (the sealer’s batched read once spent 19 of its 23 ms compiling)', async () => {
    // Several at once so more than one pooled connection answers.
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => t.db.transaction((tx) => tx.query<{ setting: string; source: string }>("SELECT setting, source FROM pg_settings WHERE name = 'jit'"))),
    );
    // Set by Aureus on the session, not inherited from however this server happens to be configured.
    for (const { rows } of answers) expect(rows[0]).toEqual({ setting: 'off', source: 'session' });
  });

  it('keep the configured statement timeout', async () => {
    const { rows } = await t.db.query<{ statement_timeout: string }>('SHOW statement_timeout');
    expect(rows[0]?.statement_timeout).toBe('30s');
  });
});
