import type { Logger } from 'pino';
import { AppError } from '../../../platform/errors.js';
import { BrokenCircuitError, type BreakerRegistry } from '../../../platform/resilience.js';
import { createDemoTarget } from '../demo/engine.js';
import { hostProblem } from '../hosts.js';
import type { SecretBox } from '../secret-box.js';
import type { StoredDataset } from '../types.js';
import { createPostgresTarget } from './postgres.js';
import { type RunRequest, type RunResult, type Target, TargetError } from './types.js';

const BREAKER = { failureThreshold: 5, recoveryTimeoutMs: 30_000, halfOpenMaxCalls: 1, successThreshold: 2 };
/** How often a column-origin map may be reloaded when a result names a table it does not know. */
const ORIGIN_REFRESH_MS = 10_000;

export interface TargetDeps {
  box: SecretBox;
  breakers: BreakerRegistry;
  poolSize: number;
  allowedHosts: readonly string[];
  dataDir: string;
  logger: Logger;
}

interface Entry {
  sealed: Buffer;
  target: Promise<Target>;
  origins?: { map: Map<string, string>; tables: string; loadedAt: number };
}

/**
 * One Target per dataset per process: a pool opened on first use (host re-checked against
 * DATASET_ALLOWED_HOSTS then), replaced when the connection changes; the demo engine is shared.
 * Every run goes through the dataset's breaker, which counts only the database being unreachable —
 * a statement the database refuses, a timeout or a cancel says nothing about its health.
 */
export function createTargetRegistry(deps: TargetDeps) {
  const entries = new Map<string, Entry>();
  let demo: ReturnType<typeof createDemoTarget> | undefined;
  const demoTarget = () => (demo ??= createDemoTarget({ dataDir: deps.dataDir, logger: deps.logger.child({ dataset: 'demo' }) }));

  async function open(d: StoredDataset): Promise<Target> {
    const url = deps.box.open('dataset-connection', d.connectionSealed as Buffer, d.id).toString('utf8');
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const problem = await hostProblem(host, deps.allowedHosts);
    if (problem) throw new TargetError('unavailable', `The dataset's connection is not allowed: ${problem}.`);
    return createPostgresTarget({ url, poolSize: deps.poolSize, logger: deps.logger.child({ dataset_id: d.id }) });
  }

  function entryFor(d: StoredDataset): Entry | undefined {
    if (d.kind === 'demo' || !d.connectionSealed) return undefined;
    let entry = entries.get(d.id);
    if (!entry || !entry.sealed.equals(d.connectionSealed)) {
      const old = entry;
      entry = { sealed: d.connectionSealed, target: open(d) };
      // A failed open is retried on the next run rather than cached.
      entry.target.catch(() => entries.delete(d.id));
      entries.set(d.id, entry);
      void old?.target.then((t) => t.close()).catch(() => undefined);
    }
    return entry;
  }

  async function targetOf(d: StoredDataset): Promise<Target> {
    return d.kind === 'demo' ? demoTarget() : (entryFor(d) as Entry).target;
  }

  async function run(d: StoredDataset, request: RunRequest, signal: AbortSignal): Promise<RunResult> {
    const breaker = deps.breakers.getOrCreate(`dataset:${d.id}`, BREAKER);
    let outcome: RunResult | TargetError;
    try {
      outcome = await breaker.execute(async () => {
        try {
          return await (await targetOf(d)).run(request, signal);
        } catch (err) {
          if (err instanceof TargetError && err.kind !== 'unavailable') return err;
          throw err;
        }
      });
    } catch (err) {
      if (err instanceof BrokenCircuitError) throw new TargetError('unavailable', 'The dataset\'s database is failing; Aureus stopped sending it queries for a while (circuit open).');
      throw err instanceof TargetError ? err : new TargetError('unavailable', 'The dataset\'s database is unavailable.');
    }
    if (outcome instanceof TargetError) throw outcome;
    return outcome;
  }

  /**
   * (table oid, column number) → "schema.table.column" for the dataset's tables, from the catalog
   * (Aureus's own read, through the same read-only path). Masking uses it to know which result
   * columns the server reports as a plain, unmodified table column.
   */
  async function origins(d: StoredDataset, refresh: boolean): Promise<Map<string, string>> {
    const tables = JSON.stringify(d.tables.map((t) => t.name).sort());
    const holder = d.kind === 'demo' ? demoOrigins : entryFor(d);
    const cached = holder?.origins;
    if (cached && cached.tables === tables && !(refresh && Date.now() - cached.loadedAt > ORIGIN_REFRESH_MS)) return cached.map;
    const result = await run(
      d,
      {
        sql: `SELECT c.oid::text || ':' || a.attnum::text, n.nspname || '.' || c.relname || '.' || a.attname
              FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname || '.' || c.relname IN (SELECT json_array_elements_text($1::json)) AND a.attnum > 0 AND NOT a.attisdropped`,
        params: [tables],
        defaultSchema: d.defaultSchema,
        timeoutMs: Math.min(d.statementTimeoutMs, 10_000),
        maxRows: 100_000,
        maxBytes: 64 * 1024 * 1024,
      },
      new AbortController().signal,
    );
    const map = new Map(result.rows.map((r) => [r[0] as string, r[1] as string]));
    if (holder) holder.origins = { map, tables, loadedAt: Date.now() };
    return map;
  }
  const demoOrigins: Pick<Entry, 'origins'> = {};

  return {
    run,
    origins,
    /** Starts the demo engine ahead of the first query (worker processes, at start). */
    warmDemo: () => demoTarget().warm(),
    /** A throwaway target for checking a connection before it is registered. */
    async probe<T>(url: string, fn: (target: Target) => Promise<T>): Promise<T> {
      const target = createPostgresTarget({ url, poolSize: 1, logger: deps.logger });
      try {
        return await fn(target);
      } finally {
        await target.close().catch(() => undefined);
      }
    },
    forget(datasetId: string): void {
      const entry = entries.get(datasetId);
      entries.delete(datasetId);
      void entry?.target.then((t) => t.close()).catch(() => undefined);
    },
    async close(): Promise<void> {
      const all = [...entries.values()];
      entries.clear();
      await Promise.all(all.map((e) => e.target.then((t) => t.close()).catch(() => undefined)));
      await demo?.close();
    },
  };
}

export type TargetRegistry = ReturnType<typeof createTargetRegistry>;

/** A run failure as the HTTP error a synchronous caller (introspection, registration) gets. */
export function targetAppError(err: unknown): AppError {
  if (err instanceof TargetError) {
    if (err.kind === 'timeout') return new AppError('UPSTREAM_TIMEOUT', err.message);
    if (err.kind === 'unavailable') return new AppError('SERVICE_UNAVAILABLE', err.message, { retryAfterSeconds: 30 });
    return new AppError('VALIDATION_ERROR', err.message);
  }
  return new AppError('INTERNAL_ERROR', 'An internal error occurred.', { cause: err });
}
