// The sealer on its own, as a worker instance runs it while API instances append: the audit bench
// starts it in a second process so that sealing and appending use both cores, as they would in a
// deployment. BENCH_DATABASE_URL names the bench database; checkpoints every 5 s (the default).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { configFrom } from '../../src/config/index.js';
import { createAuditModule } from '../../src/modules/audit/index.js';
import { createPostgresDb } from '../../src/platform/db/postgres.js';

const silent = pino({ level: 'silent' });
const db = createPostgresDb({ url: process.env.BENCH_DATABASE_URL as string, poolSize: 4, statementTimeoutMs: 60_000, echo: false, logger: silent });
const config = configFrom({ ENVIRONMENT: 'test', DATA_DIR: mkdtempSync(join(tmpdir(), 'aureus-bench-')), AUDIT_CHECKPOINT_INTERVAL_MS: '5000' });
const audit = await createAuditModule({ db, config, logger: silent });
await audit.start();
process.stderr.write('LISTENING sealer\n');
process.once('SIGTERM', () => {
  void audit.close().then(() => db.close()).then(() => process.exit(0));
});
