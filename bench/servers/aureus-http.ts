// The full Aureus middleware stack (request id, context, headers, kill switch, compression,
// access log to stdout, metrics) on embedded defaults, plus one trivial non-ops route.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/app.js';
import { configFrom } from '../../src/config/index.js';

// Limits far above the load: the check still runs (in memory), nothing is refused.
const config = configFrom({ ENVIRONMENT: 'development', PORT: '0', DATA_DIR: mkdtempSync(join(tmpdir(), 'aureus-bench-')), LOG_SKIP_PATHS: '', RATE_LIMIT_PER_MINUTE: '1000000' });
const aureus = await buildApp(config);
aureus.server.get('/bench/ping', { config: { auth: 'public' } }, async () => ({ pong: true }));
const url = await aureus.listen();
console.error(`LISTENING ${url}`);
process.on('SIGTERM', () => void aureus.close().then(() => process.exit(0)));
