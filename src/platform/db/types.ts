export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

/** Anything that runs parameterised SQL: the pool, a transaction, a session. Repos take one first. */
export interface Executor {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
}

/** A dedicated connection: advisory locks and multi-statement scripts need one session. */
export interface Session extends Executor {
  exec(script: string): Promise<void>;
}

export interface PoolStats {
  size: number;
  total: number;
  idle: number;
  waiting: number;
}

export interface Db extends Executor {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `fn` in one transaction: commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T>;
  session<T>(fn: (session: Session) => Promise<T>): Promise<T>;
  poolStats(): PoolStats;
  close(): Promise<void>;
}

/** Runs fn inside BEGIN/COMMIT on a session, rolling back on any error. */
export async function inTransaction<T>(session: Session, fn: (tx: Executor) => Promise<T>): Promise<T> {
  await session.query('BEGIN');
  try {
    const result = await fn(session);
    await session.query('COMMIT');
    return result;
  } catch (err) {
    await session.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
