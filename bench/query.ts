// Issue 6: the governed query path (API key, guard, policy, masking, execution on a read-only
// role, audit with group commit) through POST /v1/query/sql, against a bare Fastify route running
// the same statement with pg, on the same PostgreSQL target, in one run. Budget: the governed
// point lookup keeps >= 50% of the bare route's throughput. The result cache is off (every request
// runs on the target); a last line shows the cached path. Rounds alternate; each side keeps its best.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { resolve } from 'node:path';
import pg from 'pg';
import { DEMO_READER_ROLE, demoDataSql, demoSchemaSql, readerGrantsSql } from '../src/modules/datasets/index.js';
import { type Figure, best, load, row, startServer } from './lib.js';

const ROUNDS = 2;
const base = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const suffix = randomBytes(4).toString('hex');
const target = `aureus_bench_target_${suffix}`;
const meta = `aureus_bench_meta_${suffix}`;
const role = `aureus_bench_reader_${suffix}`;
const at = (db: string, user?: string) => {
  const url = new URL(base);
  url.pathname = `/${db}`;
  if (user) [url.username, url.password] = [user, 'bench-reader'];
  return url.toString();
};

const admin = new pg.Client({ connectionString: base });
await admin.connect();
await admin.query(`CREATE DATABASE ${target}`);
await admin.query(`CREATE DATABASE ${meta}`);
await admin.query(`CREATE DATABASE ${meta}_c`);
await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'bench-reader'`);
const owner = new pg.Client({ connectionString: at(target) });
await owner.connect();
for (const sql of [...demoSchemaSql(), ...demoDataSql(), ...readerGrantsSql(role, target), 'ANALYZE']) await owner.query(sql.replaceAll(DEMO_READER_ROLE, role));
await owner.end();

const statements = {
  'point lookup': 'SELECT id, customer_id, amount, status FROM loans WHERE id = 42',
  '100 rows': 'SELECT id, customer_id, amount, status, risk_grade FROM loans ORDER BY id LIMIT 100',
};
/** The governed server, with the dataset id and API key it prints once it is ready. */
async function startGoverned(extra: Record<string, string>) {
  const child = spawn(process.execPath, [resolve('bin/run-ts.js'), 'bench/servers/query-aureus.ts'], { env: { ...process.env, ...extra }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const ready = await new Promise<{ url: string; datasetId: string; key: string }>((res, rej) => {
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      const u = /LISTENING (\S+)/.exec(err);
      const c = /CREDENTIALS (\{.*\})/.exec(err);
      if (u && c) res({ url: u[1] as string, ...(JSON.parse(c[1] as string) as { datasetId: string; key: string }) });
    });
    child.once('exit', (code) => rej(new Error(`governed server exited ${code}: ${err}`)));
  });
  return {
    ...ready,
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

const env = { BENCH_TARGET_URL: at(target, role), BENCH_POOL_SIZE: '10' };
const bare = await startServer('bench/servers/query-bare.ts', env);
const common = { ...env, DATABASE_URL: at(meta), DATASET_POOL_SIZE: '10', LOG_LEVEL: 'warn', DATABASE_POOL_SIZE: '10' };
const governed = await startGoverned({ ...common, CACHE_ENABLED: 'false' });
const cached = await startGoverned({ ...common, CACHE_ENABLED: 'true', DATABASE_URL: at(`${meta}_c`) });
try {
  const sides = [governed, cached];
  const post = (sql: string, side?: (typeof sides)[number]): { method: 'POST'; headers: Record<string, string>; body: string } =>
    side
      ? { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': side.key, prefer: 'wait=10' }, body: JSON.stringify({ dataset_id: side.datasetId, sql }) }
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql }) };
  for (const [name, sql] of Object.entries(statements)) {
    const figures: Figure[][] = [[], [], []];
    await load(`${bare.url}/bench/sql`, { durationS: 1, ...post(sql) });
    await load(`${sides[0]?.url}/v1/query/sql`, { durationS: 1, ...post(sql, sides[0]) });
    for (let r = 0; r < ROUNDS; r++) {
      figures[0]?.push(await load(`${bare.url}/bench/sql`, post(sql)));
      figures[1]?.push(await load(`${sides[0]?.url}/v1/query/sql`, post(sql, sides[0])));
    }
    figures[2]?.push(await load(`${sides[1]?.url}/v1/query/sql`, post(sql, sides[1])));
    const b = best(figures[0] ?? []);
    const g = best(figures[1] ?? []);
    console.log(row(`bare Fastify + pg, ${name}`, b));
    console.log(row(`Aureus governed, ${name}`, g, b));
    console.log(row(`Aureus governed (result cache on), ${name}`, best(figures[2] ?? []), b));
    if (name === 'point lookup') console.log(`  budget >= 50%: ${g.rps / b.rps >= 0.5 ? 'met' : 'NOT met'}`);
  }
} finally {
  await Promise.all([bare.stop(), governed.stop(), cached.stop()]);
  for (const db of [target, meta, `${meta}_c`]) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin.query(`DROP ROLE IF EXISTS ${role}`);
  await admin.end();
}
