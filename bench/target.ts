// Shared by bench/query and bench/ask: a PostgreSQL database holding the demo portfolio with a
// read-only role, empty metadata databases for the governed servers, and the governed server
// (bench/servers/query-aureus.ts) started in a child process.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { resolve } from 'node:path';
import pg from 'pg';
import { DEMO_READER_ROLE, demoDataSql, demoSchemaSql, readerGrantsSql } from '../src/modules/datasets/index.js';

const base = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function at(db: string, user?: string): string {
  const url = new URL(base);
  url.pathname = `/${db}`;
  if (user) [url.username, url.password] = [user, 'bench-reader'];
  return url.toString();
}

/** The target and `metas` metadata databases; `drop()` removes them all. */
export async function createBenchTarget(metas: number) {
  const suffix = randomBytes(4).toString('hex');
  const target = `aureus_bench_target_${suffix}`;
  const role = `aureus_bench_reader_${suffix}`;
  const metaNames = Array.from({ length: metas }, (_, i) => `aureus_bench_meta_${suffix}_${i}`);
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  for (const db of [target, ...metaNames]) await admin.query(`CREATE DATABASE ${db}`);
  await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'bench-reader'`);
  const owner = new pg.Client({ connectionString: at(target) });
  await owner.connect();
  for (const sql of [...demoSchemaSql(), ...demoDataSql(), ...readerGrantsSql(role, target), 'ANALYZE']) await owner.query(sql.replaceAll(DEMO_READER_ROLE, role));
  await owner.end();
  return {
    /** The read-only role's URL of the target. */
    readerUrl: at(target, role),
    metaUrls: metaNames.map((db) => at(db)),
    async drop() {
      for (const db of [target, ...metaNames]) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
      await admin.end();
    },
  };
}

/** The governed server, with the dataset id and analyst API key it prints once it is ready. */
export async function startGoverned(env: Record<string, string>) {
  const child = spawn(process.execPath, [resolve('bin/run-ts.js'), 'bench/servers/query-aureus.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
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
    pid: child.pid as number,
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

export type Governed = Awaited<ReturnType<typeof startGoverned>>;
