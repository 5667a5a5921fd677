// The governed side of bench/query: Aureus on PostgreSQL metadata (DATABASE_URL), the bench target
// registered as a dataset, and an analyst API key. Prints the dataset id and key on stderr.
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';

const password = 'bench-admin-password-0123';
// Limits far above the load: the check still runs, nothing is refused.
const config = loadConfig({ ...process.env, ENVIRONMENT: 'development', PORT: '0', ADMIN_PASSWORD: password, DEMO_DATASET: 'false', RATE_LIMIT_PER_MINUTE: '1000000' });
const aureus = await buildApp(config, { announce: () => undefined });
await aureus.startWorker();
const url = await aureus.listen();
const inject = aureus.server.inject.bind(aureus.server);
const login = (await inject({ method: 'POST', url: '/v1/auth/login', payload: { email: config.bootstrap.adminEmail, password } })).json();
const auth = { authorization: `Bearer ${login.access_token}` };
// The organization's tier would refuse most of the load: lift it for the benchmark.
const limits = { per_minute: 100_000_000, per_hour: 100_000_000, quota_day: 100_000_000, quota_month: 100_000_000 };
await inject({ method: 'PATCH', url: '/v1/admin/limits', headers: auth, payload: limits });
const tables = ['branches', 'customers', 'loans', 'transactions'];
const dataset = await inject({ method: 'POST', url: '/v1/datasets', headers: auth, payload: { name: 'bench', connection_url: process.env.BENCH_TARGET_URL, viewer_access: true } });
if (dataset.statusCode !== 201) throw new Error(dataset.body);
const introspected = (await inject({ method: 'POST', url: `/v1/datasets/${dataset.json().id}/introspect`, headers: auth })).json();
await inject({ method: 'PATCH', url: `/v1/datasets/${dataset.json().id}`, headers: auth, payload: { tables: introspected.tables.filter((t: { name: string }) => tables.includes(t.name.split('.')[1] as string)) } });
const key = (await inject({ method: 'POST', url: '/v1/auth/api-keys', headers: auth, payload: { name: 'bench', role: 'analyst' } })).json();
console.error(`CREDENTIALS ${JSON.stringify({ datasetId: dataset.json().id, key: key.key_value })}`);
console.error(`LISTENING ${url}`);
process.on('SIGTERM', () => void aureus.close().then(() => process.exit(0)));
