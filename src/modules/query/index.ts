import type { Logger } from 'pino';
import { Counter, Histogram } from 'prom-client';
import type { Config } from '../../config/index.js';
import type { App } from '../../http/server.js';
import type { Broadcast } from '../../platform/broadcast.js';
import type { Cache } from '../../platform/cache.js';
import type { Db } from '../../platform/db/index.js';
import type { Metrics } from '../../platform/metrics.js';
import type { JobQueue } from '../../platform/queue/index.js';
import type { KillSwitch } from '../admin/index.js';
import type { AuditService } from '../audit/index.js';
import type { DatasetsModule } from '../datasets/index.js';
import type { Guard } from '../guard/index.js';
import { createExecutor } from './execute.js';
import { CLEANUP_CRON, CLEANUP_JOB, cleanup, registerQueryJobs } from './jobs.js';
import { createResultStore } from './results.js';
import { queryRoutes } from './routes.js';
import { type Asker, createQueryService } from './service.js';
import { createQueryStore } from './store.js';

export type { QueryService, Finished, Asker, Screening, Generated } from './service.js';
export type { QueryRecord, QueryStatus, ResultData, ResultColumn, LlmTrace, LlmAttempt } from './types.js';
export { EXECUTE_JOB } from './service.js';
export { refusalMessage } from './execute.js';
export { preferredWait, queryResponse } from './routes.js';
export { Accepted, QueryView, PreferHeaders } from './schemas.js';
export { CLEANUP_JOB } from './jobs.js';
export { PII_PREDICATES_ALLOWED, planQuery, type Plan } from './plan.js';
export { maskValue, maskFor, REDACTED } from './masking.js';

export interface QueryModuleDeps {
  db: Db;
  audit: AuditService;
  guard: Guard;
  datasets: DatasetsModule;
  queue: JobQueue;
  cache: Cache;
  broadcast: Broadcast;
  metrics: Metrics;
  killSwitch: Pick<KillSwitch, 'isOn' | 'onChange'>;
  config: Pick<Config, 'query' | 'cache' | 'guard'>;
  logger: Logger;
  /** Question → SQL; absent when no language model is configured. */
  asker?: Asker | undefined;
}

/** DESIGN.md §5: the query path — admit, guard, policy, execute, mask, store, audit — as jobs. */
export function createQueryModule(deps: QueryModuleDeps) {
  const { query, cache } = deps.config;
  const results = createResultStore({ box: deps.datasets.box, cache: deps.cache, ttlDays: query.resultTtlDays, cacheEnabled: cache.enabled, cacheTtlSeconds: cache.defaultTtlSeconds });
  // Two transactions commit query writes at once on PostgreSQL (measured best with the default
  // pool of 10: more spreads the batches thin); PGlite has one connection.
  const store = createQueryStore({ db: deps.db, audit: deps.audit, results, parallel: Math.max(1, Math.min(2, Math.floor(deps.db.poolStats().size / 4))) });
  const executor = createExecutor({ guard: deps.guard, datasets: deps.datasets, results, maxResultBytes: query.maxResultBytes, logger: deps.logger });
  const duration = new Histogram({
    name: 'aureus_query_execution_seconds', help: 'Time queries spent running on their dataset, by final status.', labelNames: ['status'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120], registers: [deps.metrics.registry],
  });
  const total = new Counter({ name: 'aureus_queries_total', help: 'Finished queries by status and error code.', labelNames: ['status', 'code', 'cached'], registers: [deps.metrics.registry] });
  const service = createQueryService({
    guard: deps.guard, datasets: deps.datasets.service, executor, store, results, queue: deps.queue, broadcast: deps.broadcast,
    killSwitchOn: deps.killSwitch.isOn, asker: deps.asker, maxSqlBytes: deps.config.guard.maxSqlBytes, logger: deps.logger,
    observe(outcome) {
      total.inc({ status: outcome.status, code: outcome.errorCode ?? '', cached: String(outcome.cached) });
      if (outcome.executionTimeMs !== null && !outcome.cached) duration.observe({ status: outcome.status }, outcome.executionTimeMs / 1000);
    },
  });
  // Long after any statement timeout could end a query, it is considered lost.
  const staleAfterMs = 2 * query.timeoutMs + 10 * 60_000;
  registerQueryJobs(deps.queue, { service, store, staleAfterMs, logger: deps.logger });
  deps.killSwitch.onChange((on) => {
    if (!on) return;
    const n = service.stopAll('kill_switch');
    if (n > 0) deps.logger.warn({ cancelled: n }, 'query.kill_switch_cancelled');
  });
  return {
    service,
    routes: (app: App) => queryRoutes(app, service),
    /** Retention and lost-query cleanup, as the scheduled job runs it (`now` for tests of expiry). */
    cleanup: (now = new Date()) => cleanup(store, now, staleAfterMs, deps.logger),
    async startWorker(): Promise<void> {
      service.workerStarted();
      await deps.queue.schedule(CLEANUP_JOB, CLEANUP_CRON);
    },
    close: () => store.drain(),
  };
}

export type QueryModule = ReturnType<typeof createQueryModule>;
