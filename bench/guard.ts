// Guard benchmark: median and p99 per validation of a typical 10-line analytical query, uncached
// and cached, plus corpus throughput; each printed beside the raw parse time measured in the
// same run, because these machines are noisy. Budgets: ≤ 0.3 ms uncached, ≤ 0.01 ms cached.
//   node bin/run-ts.js bench/guard.ts
import { readFileSync } from 'node:fs';
import { parseSync } from 'libpg-query';
import { createGuard, type Policy } from '../src/modules/guard/index.js';

const BUDGET_UNCACHED_MS = 0.3;
const BUDGET_CACHED_MS = 0.01;
const ITERATIONS = 20_000;
const WARMUP = 3_000;

const TYPICAL = `SELECT b.region, date_trunc('month', l.issued_at) AS month,
       count(*) AS loans, sum(l.amount) AS total, avg(l.interest_rate) AS avg_rate
FROM loans l
JOIN branches b ON b.id = l.branch_id
JOIN customers c ON c.id = l.customer_id
WHERE l.issued_at >= date '2024-01-01' AND l.status IN ('active', 'closed')
  AND c.created_at < now() - interval '30 days'
GROUP BY b.region, date_trunc('month', l.issued_at)
HAVING sum(l.amount) > 10000
ORDER BY month DESC, total DESC LIMIT 100`;

const root = new URL('../test/guard/fixtures/', import.meta.url);
const policy = JSON.parse(readFileSync(new URL('policy.json', root), 'utf8')) as Policy;
const corpus = [
  ...(JSON.parse(readFileSync(new URL('accepted.json', root), 'utf8')) as { sql: string }[]),
  ...(JSON.parse(readFileSync(new URL('refused.json', root), 'utf8')) as { sql: string }[]),
].map((c) => c.sql);

function sample(fn: (i: number) => void, n: number): { median: number; p99: number } {
  for (let i = 0; i < WARMUP; i++) fn(i);
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    fn(WARMUP + i);
    times[i] = Number(process.hrtime.bigint() - t) / 1e6;
  }
  times.sort();
  return { median: times[Math.floor(n / 2)] as number, p99: times[Math.floor(n * 0.99)] as number };
}

const fmt = (ms: number): string => `${(ms * 1000).toFixed(1).padStart(7)} µs`;
const row = (label: string, r: { median: number; p99: number }, budget?: number): void => {
  const verdict = budget === undefined ? '' : r.median <= budget ? `  within ${budget} ms` : `  OVER ${budget} ms`;
  console.log(`${label.padEnd(34)} median ${fmt(r.median)}   p99 ${fmt(r.p99)}${verdict}`);
};

// Uncached calls use a guard whose cache is on, so a miss pays what production pays (SQL hash,
// freezing, LRU insertion); a counter in a trailing comment makes every text distinct.
const guard = await createGuard({ cacheSize: 1_000 });
const uncached = await createGuard({ cacheSize: 0 });
if (!guard.validate(TYPICAL, policy).is_valid) throw new Error('typical query must be valid');
const variants = Array.from({ length: WARMUP + ITERATIONS }, (_, i) => `${TYPICAL}\n-- run ${i}`);

console.log(`guard bench — node ${process.version}, ${ITERATIONS} iterations each\n`);
row('baseline: raw parseSync', sample((i) => parseSync(variants[i] as string), ITERATIONS));
row('validate, uncached (cache miss)', sample((i) => guard.validate(variants[i] as string, policy), ITERATIONS), BUDGET_UNCACHED_MS);
row('validate, cached (cache hit)', sample(() => guard.validate(TYPICAL, policy), ITERATIONS), BUDGET_CACHED_MS);

const rounds = 20;
let t = performance.now();
for (let r = 0; r < rounds; r++) for (const sql of corpus) {
  try { parseSync(sql); } catch { /* refused corpus holds syntax errors too */ }
}
const parseMs = performance.now() - t;
t = performance.now();
for (let r = 0; r < rounds; r++) for (const sql of corpus) uncached.validate(sql, policy);
const validateMs = performance.now() - t;
const n = rounds * corpus.length;
console.log(`\ncorpus throughput (${corpus.length} statements × ${rounds}, uncached)`);
console.log(`  baseline: raw parseSync           ${Math.round(n / (parseMs / 1000)).toLocaleString('en')} statements/s`);
console.log(`  validate                          ${Math.round(n / (validateMs / 1000)).toLocaleString('en')} statements/s`);
