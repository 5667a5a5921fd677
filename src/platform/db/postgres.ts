import pg from 'pg';
import type { Logger } from 'pino';
import { type Db, type Executor, type PoolStats, type Session, inTransaction } from './types.js';

export interface PostgresOptions {
  url: string;
  poolSize: number;
  statementTimeoutMs: number;
  echo: boolean;
  applicationName?: string;
  logger: Logger;
}

const INT8 = 20;
/** int8 as a JS number: sequence numbers and counts stay far below 2^53. Numeric stays text. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** A connection that sat idle longer than this is pinged before use (pre-ping). */
const PRE_PING_AFTER_MS = 30_000;

export function createPostgresDb(options: PostgresOptions): Db {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    statement_timeout: options.statementTimeoutMs,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
    keepAlive: true,
    application_name: options.applicationName ?? 'aureus',
    types,
  });
  const lastUsed = new WeakMap<pg.PoolClient, number>();
  // An idle client that dies (server restart, network) is dropped by the pool; log, don't crash.
  pool.on('error', (err) => options.logger.warn({ err_message: err.message }, 'db.idle_client_error'));
  // A client held by a long session (the audit sealer keeps one for its advisory lock) is not idle,
  // so the pool's listener above does not cover it: without one of its own, a dropped connection
  // would be an uncaught 'error' event and end the process. The session's next query then fails
  // and the broken client is destroyed on release.
  pool.on('connect', (client) => {
    client.on('error', (err) => options.logger.warn({ err_message: err.message }, 'db.client_error'));
    // The metadata workload is short OLTP statements, which JIT compilation never pays off for, and
    // the planner's overestimates on batched statements pushed some over jit_above_cost: the audit
    // sealer's pending read spent 19 of its 23 ms compiling. Set here rather than as a startup
    // option, which PgBouncer refuses and which would replace PGOPTIONS; queued before any query
    // of the connection's first user. A server without the setting only logs it.
    client.query('SET jit = off').catch((err: Error) => options.logger.warn({ err_message: err.message }, 'db.jit_setting_failed'));
  });

  async function checkout(): Promise<pg.PoolClient> {
    for (let attempt = 0; ; attempt++) {
      const client = await pool.connect();
      const idleFor = Date.now() - (lastUsed.get(client) ?? Date.now());
      if (idleFor < PRE_PING_AFTER_MS) return client;
      try {
        await client.query('SELECT 1');
        return client;
      } catch (err) {
        client.release(err as Error);
        if (attempt >= 1) throw err;
      }
    }
  }

  function release(client: pg.PoolClient, err?: unknown) {
    lastUsed.set(client, Date.now());
    // A connection that failed at the protocol level is destroyed instead of returned.
    const code = (err as { code?: unknown } | undefined)?.code;
    const broken = err instanceof Error && !(typeof code === 'string' && SQLSTATE.test(code));
    client.release(broken ? err : undefined);
  }

  function echo(text: string) {
    if (options.echo) options.logger.debug({ sql: text }, 'db.query');
  }

  function wrap(client: pg.PoolClient): Session {
    return {
      async query<R>(text: string, params?: readonly unknown[]) {
        echo(text);
        const result = await client.query(text, params as unknown[] | undefined);
        return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
      },
      async exec(script: string) {
        echo(script);
        await client.query(script);
      },
    };
  }

  async function session<T>(fn: (s: Session) => Promise<T>): Promise<T> {
    const client = await checkout();
    let failure: unknown;
    try {
      return await fn(wrap(client));
    } catch (err) {
      failure = err;
      throw err;
    } finally {
      release(client, failure);
    }
  }

  return {
    kind: 'postgres',
    query: (text, params) => session((s) => s.query(text, params)),
    transaction: <T>(fn: (tx: Executor) => Promise<T>) => session((s) => inTransaction(s, fn)),
    session,
    poolStats(): PoolStats {
      return { size: options.poolSize, total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
    },
    close: () => pool.end(),
  };
}
