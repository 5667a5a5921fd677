// Audit log benchmark, on PostgreSQL: sustained events/s appended through `audit.record` (one event
// per transaction, as a request's act writes it; ten per transaction) and through `audit.write` (ten
// per statement, as the query path's group commit writes them), sealed by the sealer with checkpoints on,
// beside plain INSERT throughput into an unindexed table with the same writers and transaction
// shape, measured in the same run (these machines are noisy: rounds alternate, best kept). Then
// `verify` over the whole log, reported per 100k events. Budget: ≥ 5,000 events/s sealed.
//   node bin/run-ts.js bench/audit.ts        (TEST_DATABASE_URL, or postgres://postgres@127.0.0.1:5432/test)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { configFrom } from '../src/config/index.js';
import { createAuditModule, eventRow } from '../src/modules/audit/index.js';
import { type Executor, migrate } from '../src/platform/db/index.js';
import { createPostgresDb } from '../src/platform/db/postgres.js';
import { startServer } from './lib.js';

const BUDGET_EVENTS_PER_S = 5_000;
const WRITERS = Number(process.env.BENCH_WRITERS ?? 32);
const ROUND_S = Number(process.env.BENCH_ROUND_S ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DB_NAME = 'aureus_bench_audit';
const silent = pino({ level: 'silent' });

const base = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const url = new URL(base);
url.pathname = `/${DB_NAME}`;
const admin = new pg.Client({ connectionString: base });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
await admin.query(`CREATE DATABASE ${DB_NAME}`);
await admin.end();

const db = createPostgresDb({ url: url.toString(), poolSize: WRITERS + 4, statementTimeoutMs: 60_000, echo: false, logger: silent });
await migrate(db, silent);
await db.query('CREATE TABLE bench_plain (id uuid DEFAULT gen_random_uuid(), event_type text, resource_type text, resource_id text, details jsonb, created_at timestamptz DEFAULT now())');
// This process appends (as API instances do); the sealer runs in a second process (as in a worker).
const sealer = await startServer('bench/servers/audit-sealer.ts', { BENCH_DATABASE_URL: url.toString() });
// Used here only to write events and, at the end, to verify; it never seals.
const audit = await createAuditModule({ db, config: configFrom({ ENVIRONMENT: 'test', DATA_DIR: mkdtempSync(join(tmpdir(), 'aureus-bench-')) }), logger: silent });
const sealedSize = async () => Number((await db.query<{ n: string }>('SELECT coalesce(max(seq) + 1, 0) AS n FROM audit_log')).rows[0]?.n);

/**
 * WRITERS loops, each committing transactions of `perTx` rows for `seconds`; returns rows/s.
 * `write` is called once per row, or (`batched`) once per transaction with its first row's number.
 */
async function drive(seconds: number, perTx: number, batched: boolean, write: (tx: Executor, n: number) => Promise<unknown>): Promise<{ rows: number; perSecond: number }> {
  const until = performance.now() + seconds * 1000;
  let rows = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (performance.now() < until) {
        await db.transaction(async (tx) => {
          if (batched) await write(tx, rows);
          else for (let i = 0; i < perTx; i++) await write(tx, rows + i);
        });
        rows += perTx;
      }
    }),
  );
  return { rows, perSecond: rows / ((performance.now() - started) / 1000) };
}

const details = (n: number) => ({ question: 'Show me high-risk loans', dataset: 'loan_portfolio', row_count: n % 500, fingerprint: 'a1b2c3d4' });
const event = (n: number) => ({ type: 'query.executed', resourceType: 'query', resourceId: `q${n}`, details: details(n) });
const range = (first: number, count: number) => Array.from({ length: count }, (_, i) => first + i);

/** One transaction shape, written by the baseline (plain INSERT) and by the audit service. */
interface Shape {
  title: string;
  perTx: number;
  batched: boolean;
  plain: (tx: Executor, n: number) => Promise<unknown>;
  audited: (tx: Executor, n: number) => Promise<unknown>;
}
const singleRow = (tx: Executor, n: number) =>
  tx.query('INSERT INTO bench_plain (event_type, resource_type, resource_id, details) VALUES ($1, $2, $3, $4)', ['query.executed', 'query', `q${n}`, JSON.stringify(details(n))]);
const shapes: Shape[] = [
  // One event per transaction is what one request's act writes on its own.
  { title: '1 event per transaction (audit.record)', perTx: 1, batched: false, plain: singleRow, audited: (tx, n) => audit.service.record(tx, event(n)) },
  // Ten separate statements per transaction show the audit machinery's cost per statement.
  { title: '10 events per transaction, one statement each (audit.record)', perTx: 10, batched: false, plain: singleRow, audited: (tx, n) => audit.service.record(tx, event(n)) },
  // Group commit (the query path): a batch of acts in one statement; the baseline is a multi-row INSERT.
  {
    title: '10 events per transaction, one statement (audit.write, group commit)',
    perTx: 10,
    batched: true,
    plain: (tx, n) =>
      tx.query('INSERT INTO bench_plain (event_type, resource_type, resource_id, details) SELECT * FROM json_to_recordset($1::json) AS r(event_type text, resource_type text, resource_id text, details jsonb)', [
        JSON.stringify(range(n, 10).map((i) => ({ event_type: 'query.executed', resource_type: 'query', resource_id: `q${i}`, details: details(i) }))),
      ]),
    audited: (tx, n) => audit.service.write(tx, { events: range(n, 10).map((i) => eventRow(event(i), undefined)) }),
  },
];

async function audited(shape: Shape) {
  const before = await sealedSize();
  const started = performance.now();
  const appended = await drive(ROUND_S, shape.perTx, shape.batched, shape.audited);
  // Sealed throughput: everything appended in the round, sealed and checkpointed, over the time
  // from the first append until the sealer caught up.
  while ((await sealedSize()) - before < appended.rows) await new Promise((resolve) => setTimeout(resolve, 20));
  const sealed = (await sealedSize()) - before;
  return { appended: appended.perSecond, sealed: sealed / ((performance.now() - started) / 1000) };
}

console.log(`audit bench — node ${process.version}, PostgreSQL ${(await db.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version}, ${WRITERS} writers, best of ${ROUNDS} × ${ROUND_S} s rounds\n`);
const f = (n: number) => n.toFixed(0).padStart(8);
let sealedBest = 0;
for (const shape of shapes) {
  let p = 0;
  let a = { appended: 0, sealed: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    p = Math.max(p, (await drive(ROUND_S, shape.perTx, shape.batched, shape.plain)).perSecond);
    const r = await audited(shape);
    a = { appended: Math.max(a.appended, r.appended), sealed: Math.max(a.sealed, r.sealed) };
  }
  sealedBest = Math.max(sealedBest, a.sealed);
  console.log(shape.title);
  console.log(`  baseline: plain INSERT, unindexed table   ${f(p)} rows/s`);
  console.log(`  appended                                  ${f(a.appended)} events/s   ${((a.appended / p) * 100).toFixed(0)}% of baseline`);
  console.log(`  appended and sealed, checkpoints on       ${f(a.sealed)} events/s   ${((a.sealed / p) * 100).toFixed(0)}% of baseline`);
}
console.log(`\nbest sustained sealed rate ${f(sealedBest)} events/s: ${sealedBest >= BUDGET_EVENTS_PER_S ? 'within' : 'UNDER'} the ${BUDGET_EVENTS_PER_S}/s budget`);
await sealer.stop();
const checkpoints = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM audit_checkpoints')).rows[0]?.n);
const size = await sealedSize();
const started = performance.now();
const report = await audit.reader.verify();
const ms = performance.now() - started;
if (!report.ok) throw new Error(`verify failed: ${JSON.stringify(report.problem)}`);
console.log(`verify ${size} events, ${report.checkpointsVerified} of ${checkpoints} checkpoints   ${(ms / 1000).toFixed(2)} s   = ${((ms / size) * 100_000 / 1000).toFixed(2)} s per 100k events`);

await audit.close();
await db.close();
const cleanup = new pg.Client({ connectionString: base });
await cleanup.connect();
await cleanup.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
await cleanup.end();
