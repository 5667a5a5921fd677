// kill -9 of a real gateway while it appends audit events under load: after a restart every event
// whose request got a 2xx is present and sealed, and the log verifies (the sealer catches up).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type TestDb, createTestDb } from '../harness/db.js';
import { BACKEND } from '../harness/env.js';
import { appendLoad, expectAllSealed, loginGatewayAdmin, startGateway } from './gateway.js';

describe('crash durability (real process, SIGKILL)', () => {
  it('keeps every acknowledged event and seals it after a restart', { timeout: 240_000 }, async () => {
    const testDb: TestDb | undefined = BACKEND === 'services' ? await createTestDb() : undefined;
    const vars: Record<string, string> = testDb ? { DATABASE_URL: testDb.url as string } : { DATA_DIR: mkdtempSync(join(tmpdir(), 'aureus-crash-')) };
    // Checkpoints often, so the kill lands between sealed batches, checkpoints and pending events.
    vars.AUDIT_CHECKPOINT_INTERVAL_MS = '200';
    let gateway = await startGateway(vars);
    try {
      const { organizationId } = await loginGatewayAdmin(gateway);
      const load = appendLoad(gateway.address, organizationId);
      await expect.poll(() => load.acked.length, { timeout: 60_000, interval: 20 }).toBeGreaterThanOrEqual(150);
      gateway.child.kill('SIGKILL');
      const [, signal] = await gateway.exited;
      await load.stop();
      expect(signal).toBe('SIGKILL');
      const acked = [...load.acked];

      gateway = await startGateway(vars);
      await expectAllSealed(gateway, acked);
    } finally {
      await gateway.kill();
      await testDb?.close();
    }
  });
});
