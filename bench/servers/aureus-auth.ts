// Aureus on embedded defaults with three identical routes: public, and behind a JWT or an API key.
// Prints the credentials it minted on stderr for the bench process.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/app.js';
import { configFrom } from '../../src/config/index.js';

const password = 'bench-admin-password-0123';
const config = configFrom({
  ENVIRONMENT: 'development', PORT: '0', DATA_DIR: mkdtempSync(join(tmpdir(), 'aureus-bench-')), ADMIN_PASSWORD: password, LOG_LEVEL: 'warn',
  RATE_LIMIT_PER_MINUTE: '1000000', RATE_LIMIT_AUTH_PER_MINUTE: '1000000',
});
const aureus = await buildApp(config);
const whoami = async (request: { principal: { userId: string } | null }) => ({ user: request.principal?.userId ?? null });
aureus.server.get('/bench/open', { config: { auth: 'public' } }, whoami);
aureus.server.get('/bench/jwt', { config: { auth: 'user', permission: 'auth.self' } }, whoami);
aureus.server.get('/bench/key', { config: { auth: 'api_key', permission: 'auth.self' } }, whoami);
const url = await aureus.listen();
const login = (await aureus.server.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: config.bootstrap.adminEmail, password } })).json();
// The organization's tier would refuse most of the load: lift it for the benchmark.
const limits = { per_minute: 100_000_000, per_hour: 100_000_000, quota_day: 100_000_000, quota_month: 100_000_000 };
await aureus.server.inject({ method: 'PATCH', url: '/v1/admin/limits', headers: { authorization: `Bearer ${login.access_token}` }, payload: limits });
const key = (await aureus.server.inject({ method: 'POST', url: '/v1/auth/api-keys', headers: { authorization: `Bearer ${login.access_token}` }, payload: { name: 'bench' } })).json();
console.error(`CREDENTIALS ${JSON.stringify({ jwt: login.access_token, key: key.key_value })}`);
console.error(`LISTENING ${url}`);
process.on('SIGTERM', () => void aureus.close().then(() => process.exit(0)));
