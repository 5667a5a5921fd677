import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';

// Real processes each start a runtime and an embedded database: slow on a loaded 2-core machine.
const SLOW = { timeout: 120_000 };
import { createPgliteDb } from '../../src/platform/db/index.js';
import { runAureus } from '../harness/process.js';

describe('embedded store ownership', () => {
  it('makes a second process on the same data dir fail with a clear message', SLOW, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'aureus-lock-'));
    const owner = await createPgliteDb({ dir: join(dataDir, 'meta'), echo: false, logger: pino({ level: 'silent' }) });
    try {
      const second = await runAureus(['migrate'], { DATA_DIR: dataDir });
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`aureus: Another Aureus process is using the embedded store in ${join(dataDir, 'meta')}.`);
    } finally {
      await owner.close();
    }
    const after = await runAureus(['migrate'], { DATA_DIR: dataDir });
    expect([after.code, after.stdout]).toEqual([0, expect.stringMatching(/^Migrations applied: 0001_foundation\.sql/)]);
  });
});
