// Issue 6: the governed query path (API key, guard, policy, masking, execution on a read-only
// role, audit with group commit) through POST /v1/query/sql, against a bare Fastify route running
// the same statement with pg, on the same PostgreSQL target, in one run. Budget: the governed
// point lookup keeps >= 50% of the bare route's throughput. The result cache is off (every request
// runs on the target); a last line shows the cached path. Every side is warmed up, rounds alternate,
// and each side keeps its best. Each line also shows the CPU the server process and PostgreSQL
// (target and metadata store alike) spent per request, which says where the difference goes.
import { type Figure, best, load, loadWithCpu, row, startServer } from './lib.js';
import { createBenchTarget, startGoverned } from './target.js';

const ROUNDS = 2;
const db = await createBenchTarget(2);
const statements = {
  'point lookup': 'SELECT id, customer_id, amount, status FROM loans WHERE id = 42',
  '100 rows': 'SELECT id, customer_id, amount, status, risk_grade FROM loans ORDER BY id LIMIT 100',
};

const env = { BENCH_TARGET_URL: db.readerUrl, BENCH_POOL_SIZE: '10' };
const bare = await startServer('bench/servers/query-bare.ts', env);
const common = { ...env, DATABASE_URL: db.metaUrls[0] as string, DATASET_POOL_SIZE: '10', LOG_LEVEL: 'warn', DATABASE_POOL_SIZE: '10' };
const governed = await startGoverned({ ...common, CACHE_ENABLED: 'false' });
const cached = await startGoverned({ ...common, CACHE_ENABLED: 'true', DATABASE_URL: db.metaUrls[1] as string });
try {
  const sides = [governed, cached];
  const post = (sql: string, side?: (typeof sides)[number]): { method: 'POST'; headers: Record<string, string>; body: string } =>
    side
      ? { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': side.key, prefer: 'wait=10' }, body: JSON.stringify({ dataset_id: side.datasetId, sql }) }
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql }) };
  for (const [name, sql] of Object.entries(statements)) {
    const figures: Figure[][] = [[], [], []];
    await load(`${bare.url}/bench/sql`, { durationS: 1, ...post(sql) });
    for (const side of sides) await load(`${side.url}/v1/query/sql`, { durationS: 1, ...post(sql, side) });
    for (let r = 0; r < ROUNDS; r++) {
      figures[0]?.push(await loadWithCpu(bare.pid, `${bare.url}/bench/sql`, post(sql)));
      figures[1]?.push(await loadWithCpu(governed.pid, `${governed.url}/v1/query/sql`, post(sql, governed)));
      figures[2]?.push(await loadWithCpu(cached.pid, `${cached.url}/v1/query/sql`, post(sql, cached)));
    }
    const b = best(figures[0] ?? []);
    const g = best(figures[1] ?? []);
    console.log(row(`bare Fastify + pg, ${name}`, b));
    console.log(row(`Aureus governed, ${name}`, g, b));
    console.log(row(`Aureus governed (result cache on), ${name}`, best(figures[2] ?? []), b));
    if (name === 'point lookup') console.log(`  budget >= 50%: ${g.rps / b.rps >= 0.5 ? 'met' : 'NOT met'}`);
  }
} finally {
  await Promise.all([bare.stop(), governed.stop(), cached.stop()]);
  await db.drop();
}
