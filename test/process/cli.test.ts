import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createPgliteDb } from '../../src/platform/db/index.js';
import { createTestDb } from '../harness/db.js';
import { BACKEND } from '../harness/env.js';
import { runAureus } from '../harness/process.js';

// Real processes each start a runtime and an embedded database: one step has taken over 40 s on a
// loaded 2-core machine, and a test runs several.
const SLOW = { timeout: 420_000 };

describe('aureus CLI', () => {
  it('refuses to start in production on embedded defaults, listing every problem, before opening a socket', SLOW, async () => {
    const result = await runAureus(['api'], { ENVIRONMENT: 'production', PORT: '1', DATABASE_ECHO: 'true' });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('aureus: refusing to start.');
    for (const problem of ['DATABASE_URL: required', 'REDIS_URL: required', 'JWT_SECRET_KEY: required', 'ENCRYPTION_KEY: required', 'DATABASE_ECHO: must be false']) {
      expect(result.stderr).toContain(problem);
    }
  });

  it('creates users and resets passwords against the configured store', SLOW, async () => {
    const testDb = BACKEND === 'services' ? await createTestDb() : undefined;
    const vars: Record<string, string> = testDb
      ? { DATABASE_URL: testDb.url as string, ADMIN_PASSWORD: 'bootstrap-admin-password-1' }
      : { DATA_DIR: mkdtempSync(join(tmpdir(), 'aureus-cli-')), ADMIN_PASSWORD: 'bootstrap-admin-password-1' };
    try {
      const created = await runAureus(['admin', 'create-user', '--email', 'ops@bank.example', '--role', 'analyst', '--team', 'risk'], vars);
      expect(created.code, created.stderr).toBe(0);
      expect(created.stdout).toMatch(/^Created analyst ops@bank\.example \([0-9a-f-]{36}\)\.\nPassword \(shown once\): [A-Za-z0-9]{20}\n$/);
      const chosen = await runAureus(['admin', 'create-user', '--email', 'x@bank.example', '--role', 'viewer', '--password-stdin'], vars, 'password123\n');
      expect([chosen.code, chosen.stderr]).toEqual([1, 'aureus: The password is one of the most common passwords; choose another.\n']);
      const reset = await runAureus(['admin', 'reset-password', '--email', 'ops@bank.example', '--password-stdin'], vars, 'a-new-long-passphrase\n');
      expect(reset.stdout).toBe('Password of ops@bank.example changed; every session ended.\n');
      const missing = await runAureus(['admin', 'reset-password', '--email', 'ghost@bank.example'], vars);
      expect([missing.code, missing.stderr]).toEqual([1, 'aureus: No user has the email ghost@bank.example.\n']);
      const badRole = await runAureus(['admin', 'create-user', '--email', 'y@bank.example', '--role', 'root'], vars);
      expect(badRole.code).toBe(2);
    } finally {
      await testDb?.close();
    }
  });

  it('turns the kill switch on and off against the configured store, audited', SLOW, async () => {
    const testDb = BACKEND === 'services' ? await createTestDb() : undefined;
    const vars: Record<string, string> = {
      ADMIN_PASSWORD: 'bootstrap-admin-password-1',
      ...(testDb ? { DATABASE_URL: testDb.url as string } : { DATA_DIR: mkdtempSync(join(tmpdir(), 'aureus-cli-')) }),
    };
    try {
      const on = await runAureus(['admin', 'kill-switch', 'on', '--reason', 'drill'], vars);
      expect(on.stderr).toBe('');
      expect(on.stdout).toBe('Kill switch is ON.\n');
      const migrate = await runAureus(['migrate'], vars);
      expect(migrate.stdout).toBe('Migrations: up to date.\n');
      const off = await runAureus(['admin', 'kill-switch', 'off'], vars);
      expect(off.stdout).toBe('Kill switch is off.\n');
      const bad = await runAureus(['admin', 'kill-switch', 'maybe'], vars);
      expect([bad.code, bad.stderr]).toEqual([2, 'aureus: kill-switch takes "on" or "off"\n']);
      const store = testDb?.db ?? (await createPgliteDb({ dir: join(vars.DATA_DIR as string, 'meta'), echo: false, logger: pino({ level: 'silent' }) }));
      try {
        const { rows } = await store.query<{ details: unknown }>("SELECT details FROM audit_events WHERE event_type = 'kill_switch.changed' ORDER BY created_at");
        expect(rows.map((r) => r.details)).toEqual([
          { on: true, reason: 'drill', via: 'cli' },
          { on: false, reason: null, via: 'cli' },
        ]);
      } finally {
        if (!testDb) await store.close();
      }
    } finally {
      await testDb?.close();
    }
  });
});
