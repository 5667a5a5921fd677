// Baseline for bench/query: a bare Fastify route that runs the posted statement with pg.Pool as
// the same read-only role, and answers its rows. No hooks, no plugins, no governance.
import Fastify from 'fastify';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.BENCH_TARGET_URL, max: Number(process.env.BENCH_POOL_SIZE ?? 10) });
const app = Fastify({ logger: false });
app.post('/bench/sql', async (request) => {
  const { rows, fields } = await pool.query({ text: (request.body as { sql: string }).sql, rowMode: 'array' });
  return { columns: fields.map((f) => f.name), rows };
});
const url = await app.listen({ host: '127.0.0.1', port: 0 });
console.error(`LISTENING ${url}`);
process.on('SIGTERM', () => void app.close().then(() => pool.end()).then(() => process.exit(0)));
