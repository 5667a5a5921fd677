import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import lockfile from 'proper-lockfile';
import type { Logger } from 'pino';
import { Mutex } from './mutex.js';
import { type Db, type Executor, type Session, inTransaction } from './types.js';

export class DataDirLockedError extends Error {
  constructor(readonly dataDir: string) {
    super(
      `Another Aureus process is using the embedded store in ${dataDir}. PGlite has no cross-process ` +
        'locking, so only one process may own it: stop the other process, use a different DATA_DIR, ' +
        'or set DATABASE_URL to share a PostgreSQL server.',
    );
    this.name = 'DataDirLockedError';
  }
}

export interface PgliteOptions {
  /** Folder of the database files; omit for an in-memory database. */
  dir?: string;
  /** A tarball from `dumpDataDir` to start from (tests start from a migrated snapshot). */
  loadDataDir?: Blob;
  echo: boolean;
  logger: Logger;
}

/** Takes the exclusive lock on `dir`, or throws DataDirLockedError naming the folder. */
async function lockDir(dir: string): Promise<() => Promise<void>> {
  mkdirSync(dir, { recursive: true });
  try {
    return await lockfile.lock(dir, { lockfilePath: join(dir, 'aureus.lock'), stale: 10_000, update: 2_000, retries: 0 });
  } catch (err) {
    if ((err as { code?: string }).code === 'ELOCKED') throw new DataDirLockedError(dir);
    throw err;
  }
}

export interface PgliteDb extends Db {
  /** The database files as a tarball (a migrated snapshot that tests start from). */
  dump(): Promise<Blob>;
}

export async function createPgliteDb(options: PgliteOptions): Promise<PgliteDb> {
  const unlock = options.dir ? await lockDir(options.dir) : undefined;
  let pglite: PGlite;
  try {
    pglite = await PGlite.create({
      ...(options.dir ? { dataDir: join(options.dir, 'pgdata') } : {}),
      ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
    });
  } catch (err) {
    await unlock?.();
    throw err;
  }
  const mutex = new Mutex();
  const echo = (text: string) => {
    if (options.echo) options.logger.debug({ sql: text }, 'db.query');
  };
  const direct: Session = {
    async query<R>(text: string, params?: readonly unknown[]) {
      echo(text);
      const result = await pglite.query<R>(text, params as unknown[] | undefined);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(script: string) {
      echo(script);
      await pglite.exec(script);
    },
  };
  let closed = false;
  return {
    kind: 'pglite',
    query: (text, params) => mutex.run(() => direct.query(text, params)),
    transaction: <T>(fn: (tx: Executor) => Promise<T>) => mutex.run(() => inTransaction(direct, fn)),
    session: <T>(fn: (s: Session) => Promise<T>) => mutex.run(() => fn(direct)),
    poolStats: () => ({ size: 1, total: 1, idle: 1, waiting: 0 }),
    dump: () => mutex.run(() => pglite.dumpDataDir('none')),
    async close() {
      if (closed) return;
      closed = true;
      await mutex.run(() => pglite.close());
      await unlock?.();
    },
  };
}
