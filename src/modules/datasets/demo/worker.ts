// The demo dataset's PGlite, in a worker thread. PGlite runs a statement synchronously inside
// WebAssembly and ignores statement_timeout, so on the main thread one long query would freeze the
// whole gateway; here it freezes only this thread, which the engine terminates to cancel it.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, protocol } from '@electric-sql/pglite';
import { beginSql, type RunRequest, type RunResult } from '../targets/types.js';
import { demoDataSql } from './generate.js';
import { DEMO_READER_ROLE, demoSchemaSql, readerGrantsSql } from './schema.js';

const { serialize } = protocol;
const port = parentPort;
if (!port) throw new Error('demo/worker.ts runs only as a worker thread');

// A small buffer pool: the demo holds about 2 MB of rows, and each PGlite costs RSS on top.
const SETTINGS = ['shared_buffers = 16MB', 'work_mem = 8MB', 'max_connections = 10'];

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

async function open(snapshot: Uint8Array | null): Promise<{ db: PGlite; fresh?: Uint8Array }> {
  if (snapshot) return { db: await PGlite.create({ loadDataDir: new Blob([snapshot]), postgresqlconf: SETTINGS }) };
  const db = await PGlite.create({ postgresqlconf: SETTINGS });
  for (const sql of [...demoSchemaSql(), ...demoDataSql()]) await db.exec(sql);
  await db.exec(`CREATE ROLE ${DEMO_READER_ROLE} NOLOGIN`);
  for (const sql of readerGrantsSql(DEMO_READER_ROLE, 'postgres')) await db.exec(sql);
  await db.exec('ANALYZE');
  const dump = await db.dumpDataDir('gzip');
  return { db, fresh: new Uint8Array(await dump.arrayBuffer()) };
}

async function run(db: PGlite, request: RunRequest): Promise<RunResult> {
  // The session user is PGlite's superuser (it has no logins): every statement runs as the reader
  // role inside a read-only transaction, and DISCARD ALL puts the session back afterwards.
  await db.exec(beginSql(request, DEMO_READER_ROLE));
  try {
    const message = concat([
      serialize.parse({ text: request.sql }),
      serialize.bind({ values: request.params }),
      serialize.describe({ type: 'P' }),
      serialize.execute({ rows: request.maxRows + 1 }),
      serialize.sync(),
    ]);
    const { messages } = await db.execProtocol(message);
    const result: RunResult = { fields: [], rows: [], truncated: false };
    let bytes = 0;
    for (const m of messages) {
      if (m.name === 'rowDescription') {
        const { fields } = m as InstanceType<typeof protocol.messages.RowDescriptionMessage>;
        result.fields = fields.map((f) => ({ name: f.name, typeOid: f.dataTypeID, tableOid: f.tableID, column: f.columnID }));
      } else if (m.name === 'dataRow' && !result.truncated) {
        const { fields } = m as InstanceType<typeof protocol.messages.DataRowMessage>;
        const size = fields.reduce((n, f) => n + (f === null ? 1 : f.length + 1), 0);
        if (result.rows.length >= request.maxRows || bytes + size > request.maxBytes) result.truncated = true;
        else {
          result.rows.push(fields);
          bytes += size;
        }
      }
    }
    return result;
  } finally {
    await db.exec('ROLLBACK');
    await db.exec('DISCARD ALL');
  }
}

const { snapshot } = workerData as { snapshot: Uint8Array | null };
try {
  const { db, fresh } = await open(snapshot);
  port.on('message', (m: { id: number; request: RunRequest }) => {
    run(db, m.request).then(
      (result) => port.postMessage({ type: 'result', id: m.id, result }),
      (err: { code?: string; message?: string }) => port.postMessage({ type: 'error', id: m.id, sqlState: err.code, message: String(err.message) }),
    );
  });
  port.postMessage({ type: 'ready', snapshot: fresh ?? null });
} catch (err) {
  port.postMessage({ type: 'failed', message: (err as Error).message });
}
