import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestDb, createTestDb } from './db.js';
import { BACKEND, TEST_REDIS_URL } from './env.js';
import { ROOT, startChild } from './process.js';

/**
 * A real gateway process on this backend (its own data dir, or a fresh PostgreSQL database and
 * real Redis), listening on a free port. Resolves once it logs `process.ready`.
 */
export async function startGatewayProcess(extraVars: Record<string, string> = {}) {
  let testDb: TestDb | undefined;
  const vars: Record<string, string> = { ENVIRONMENT: 'test', PORT: '0', LOG_LEVEL: 'info', ADMIN_PASSWORD: 'process-test-admin-password', ...extraVars };
  if (BACKEND === 'services') {
    testDb = await createTestDb();
    vars.DATABASE_URL = testDb.url as string;
    vars.REDIS_URL = TEST_REDIS_URL as string;
    vars.REDIS_KEY_PREFIX = `aureus:test:proc${Date.now()}:`;
  } else {
    vars.DATA_DIR = mkdtempSync(join(tmpdir(), 'aureus-proc-'));
  }
  const started = await startChild([join(ROOT, 'bin/run-ts.js'), 'test/fixtures/serve-with-test-routes.ts'], vars, /"process\.ready"/, 60_000);
  const ready = started.output.stdout.split('\n').find((l) => l.includes('"process.ready"')) as string;
  const address = (JSON.parse(ready) as { address: string }).address;
  return {
    ...started,
    address,
    /** Log lines the process wrote, parsed. */
    lines: () =>
      started.output.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    async cleanup() {
      if (started.child.exitCode === null) started.child.kill('SIGKILL');
      await testDb?.close();
    },
  };
}
