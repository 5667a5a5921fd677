import pg from 'pg';
import type { Logger } from 'pino';
import { sendCancelRequest } from './cancel.js';
import { classifyFailure } from './sqlstate.js';
import { PipelinedRun } from './pipeline.js';
import { RESET_SQL, type RunRequest, type RunResult, type Target, TargetError } from './types.js';

/** Past the server's statement_timeout, how long before Aureus cancels from its side, then drops the connection. */
const BACKSTOP_MS = 1000;
const HARD_STOP_MS = 3000;
const CANCEL_ATTEMPTS = 10;
const CANCEL_RETRY_MS = 100;

function runPipelined(client: pg.PoolClient, request: RunRequest, onOverBytes: () => void): Promise<{ result: RunResult; failed: boolean }> {
  return new Promise((resolve, reject) => {
    const run = new PipelinedRun(
      request,
      (err, result, failed) => (err ? reject(Object.assign(err, { failed })) : resolve({ result: result as RunResult, failed })),
      onOverBytes,
    );
    void client.query(run as unknown as pg.QueryConfig);
  });
}

export interface PostgresTargetOptions {
  url: string;
  poolSize: number;
  logger: Logger;
}

/** A customer PostgreSQL through its own small pool, as the dataset's read-only login role. */
export function createPostgresTarget(options: PostgresTargetOptions): Target {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
    keepAlive: true,
    application_name: 'aureus-dataset',
  });
  pool.on('error', (err) => options.logger.warn({ err_message: err.message }, 'dataset.idle_client_error'));

  async function run(request: RunRequest, signal: AbortSignal): Promise<RunResult> {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw new TargetError('unavailable', 'The dataset\'s database is unavailable.', (err as { code?: string }).code);
    }
    let inFlight = false;
    let timedOut = false;
    let cancelled: Promise<void> | undefined;
    const backend = client as unknown as { processID: number; secretKey: number };
    // Only while the statement runs: a late CancelRequest must never hit the reset or the next
    // caller. A cancel that reaches the backend before the statement does is ignored by the
    // server, so it is repeated until the statement ends.
    const cancel = () => {
      if (!inFlight || cancelled) return;
      cancelled = (async () => {
        for (let attempt = 0; inFlight && attempt < CANCEL_ATTEMPTS; attempt++) {
          await sendCancelRequest(client.host, client.port, backend.processID, backend.secretKey);
          if (inFlight) await new Promise((resolve) => setTimeout(resolve, CANCEL_RETRY_MS));
        }
      })();
    };
    signal.addEventListener('abort', cancel);
    // A connection destroyed mid-statement (the hard stop) reports on the client; the run's own
    // promise carries the failure, so the event only needs a listener while the client is out.
    const ignore = () => undefined;
    client.on('error', ignore);
    let hardStop: NodeJS.Timeout | undefined;
    const backstop = setTimeout(() => {
      timedOut = true;
      cancel();
      hardStop = setTimeout(() => (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy(), HARD_STOP_MS);
    }, request.timeoutMs + BACKSTOP_MS);
    let failure: unknown;
    let dirty = true;
    try {
      if (signal.aborted) throw new TargetError('cancelled', 'The query was cancelled.');
      inFlight = true;
      const { result, failed } = await runPipelined(client, request, cancel);
      dirty = failed;
      return result;
    } catch (err) {
      failure = err;
      throw classifyFailure(err, { aborted: signal.aborted, timedOut, timeoutMs: request.timeoutMs });
    } finally {
      inFlight = false;
      clearTimeout(backstop);
      signal.removeEventListener('abort', cancel);
      client.off('error', ignore);
      // Usually the pipeline already rolled back and cleaned up. When it failed part-way, the
      // full reset runs here, after any cancel was delivered, in the background (the caller has
      // its answer); a connection that cannot be reset is destroyed, never reused.
      void (async () => {
        try {
          await cancelled;
          if (failure instanceof Error && !(failure instanceof TargetError) && !('severity' in failure)) throw failure;
          if (dirty) await client.query(RESET_SQL);
          clearTimeout(hardStop);
          client.release();
        } catch (err) {
          clearTimeout(hardStop);
          client.release(err instanceof Error ? err : new Error('reset failed'));
        }
      })();
    }
  }

  return { kind: 'postgres', run, close: () => pool.end() };
}
