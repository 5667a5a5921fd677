// Issue 8: what the natural-language path adds. The same point lookup asked as a question —
// screening, prompt building, the budget reservation and settlement, one call to a model that
// answers instantly (a fake OpenAI-compatible server in this process), parsing, the guard — against
// sending that SQL to POST /v1/query/sql, on the same governed server and PostgreSQL target, in one
// run. Result cache off: both run on the target every time. Rounds alternate; each keeps its best.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Figure, best, load, row } from './lib.js';
import { createBenchTarget, startGoverned } from './target.js';

const ROUNDS = 2;
const SQL = 'SELECT id, customer_id, amount, status FROM loans WHERE id = 42';
const body = JSON.stringify({
  id: 'chatcmpl-bench', object: 'chat.completion', created: 0, model: 'bench-model',
  choices: [{ index: 0, message: { role: 'assistant', content: JSON.stringify({ sql: SQL, explanation: 'The loan with id 42.' }) }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 900, completion_tokens: 30, total_tokens: 930 },
});
let calls = 0;
const model = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    calls++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
});
await new Promise<void>((resolve) => model.listen(0, '127.0.0.1', resolve));

const db = await createBenchTarget(1);
const governed = await startGoverned({
  BENCH_TARGET_URL: db.readerUrl, DATABASE_URL: db.metaUrls[0] as string, DATASET_POOL_SIZE: '10', DATABASE_POOL_SIZE: '10', LOG_LEVEL: 'warn', CACHE_ENABLED: 'false',
  RATE_LIMIT_ASK_PER_MINUTE: '1000000', LLM_MODEL: 'bench-model', OPENAI_BASE_URL: `http://127.0.0.1:${(model.address() as AddressInfo).port}/v1`,
  LLM_PRICES: JSON.stringify({ 'bench-model': { input: 0.15, output: 0.6 } }),
});
try {
  const headers = { 'content-type': 'application/json', 'x-api-key': governed.key, prefer: 'wait=10' };
  const sql = { method: 'POST' as const, headers, body: JSON.stringify({ dataset_id: governed.datasetId, sql: SQL }) };
  const ask = { method: 'POST' as const, headers, body: JSON.stringify({ dataset_id: governed.datasetId, question: 'What are the customer, amount and status of loan 42?' }) };
  // Latency at low concurrency (what one caller sees), then throughput under load.
  for (const connections of [1, 16]) {
    const figures: Figure[][] = [[], []];
    await load(`${governed.url}/v1/query/sql`, { durationS: 1, connections, ...sql });
    await load(`${governed.url}/v1/query/ask`, { durationS: 1, connections, ...ask });
    for (let r = 0; r < ROUNDS; r++) {
      figures[0]?.push(await load(`${governed.url}/v1/query/sql`, { connections, ...sql }));
      figures[1]?.push(await load(`${governed.url}/v1/query/ask`, { connections, ...ask }));
    }
    const s = best(figures[0] ?? []);
    const a = best(figures[1] ?? []);
    console.log(row(`SQL path, ${connections} connection${connections > 1 ? 's' : ''}`, s));
    console.log(row(`ask path (instant model), ${connections} conn.`, a, s));
    console.log(`  added by the NL path: p50 +${a.p50 - s.p50} ms, p99 +${a.p99 - s.p99} ms`);
  }
  if (calls === 0) throw new Error('the model was never called: the ask path did not run');
} finally {
  await governed.stop();
  await db.drop();
  model.close();
}
