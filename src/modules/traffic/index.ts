import type { Logger } from 'pino';
import type { Config } from '../../config/index.js';
import type { App } from '../../http/server.js';
import type { Broadcast } from '../../platform/broadcast.js';
import type { Db } from '../../platform/db/index.js';
import type { Metrics } from '../../platform/metrics.js';
import type { JobQueue } from '../../platform/queue/index.js';
import type { RedisManager } from '../../platform/redis.js';
import type { AuditService } from '../audit/index.js';
import { createBudgets } from './budgets.js';
import { type RateLimiter, createRateLimiter } from './failover.js';
import { createMemoryStore } from './memory-store.js';
import { OverrideCache } from './overrides.js';
import { createRedisStore } from './redis-store.js';
import { trafficRoutes } from './routes.js';
import { createTrafficService } from './service.js';

export type { TrafficService } from './service.js';
export type { Budgets, Spend } from './budgets.js';
export { TIER_LIMITS } from './policies.js';

export const BUDGET_RESET_JOB = 'budgets.reset_monthly';
export const RESERVATION_SWEEP_JOB = 'budgets.release_expired';

export interface TrafficDeps {
  db: Db;
  redis: RedisManager | undefined;
  audit: AuditService;
  broadcast: Broadcast;
  metrics: Metrics;
  queue: JobQueue;
  config: Config;
  logger: Logger;
}

/** No Redis: one process's memory is the whole truth (embedded mode), and every decision is local. */
function memoryOnly(): RateLimiter {
  const memory = createMemoryStore();
  return {
    check: async (key, policies) => memory.checkNow(key, policies),
    decideNow: (key, policies) => memory.checkNow(key, policies),
    state: () => 'fallback',
    stats: () => ({ state: 'fallback', allowed: 0, limited: 0, unavailable: 0, redisErrors: 0, redisTimeouts: 0, probeFailures: 0 }),
    close: () => undefined,
  };
}

/**
 * The longest a model call can legitimately hold its budget reservation: every attempt at its
 * deadline, the longest wait between them, and a minute's margin. Past it, an open
 * reservation belongs to a call whose process died.
 */
export function reservationHoldMs(config: Config): number {
  const llm = config.llm;
  if (!llm) return 15 * 60_000;
  // Between attempts the provider waits the endpoint's Retry-After (up to LLM_RETRY_AFTER_MAX_MS) or
  // its own backoff (at most 8 s).
  return llm.timeoutMs * (llm.maxRetries + 1) + Math.max(llm.retryAfterMaxMs, 8_000) * llm.maxRetries + 60_000;
}

export async function createTrafficModule(deps: TrafficDeps) {
  const { rateLimit } = deps.config;
  const redisErrors = deps.metrics.counter('aureus_rate_limit_redis_errors_total', 'Rate-limit Redis calls that failed, by kind.', ['kind']);
  const limiter = deps.redis
    ? createRateLimiter({
        redis: createRedisStore(deps.redis),
        // Outside production the default is the memory fallback; production chooses closed or local.
        mode: rateLimit.redisFailure,
        timeoutMs: rateLimit.redisTimeoutMs,
        expectedInstances: deps.config.expectedInstances,
        observer: {
          redisError: (kind) => redisErrors.inc({ kind }),
          stateChange: (state) => deps.logger.warn({ state }, 'rate_limit.state_changed'),
        },
      })
    : memoryOnly();
  deps.metrics.gauge('aureus_rate_limit_fallback', 'Whether rate limits are decided in memory instead of Redis.', [], (set) => set({}, limiter.state() === 'fallback' ? 1 : 0));
  const overrides = new OverrideCache(deps.db, deps.broadcast);
  await overrides.start();
  const service = createTrafficService({ limiter, overrides, audit: deps.audit, db: deps.db, redis: deps.redis, metrics: deps.metrics, logger: deps.logger, limits: rateLimit });
  const budgets = createBudgets({ db: deps.db, audit: deps.audit, holdMs: reservationHoldMs(deps.config) });
  deps.queue.handle(BUDGET_RESET_JOB, async () => budgets.resetMonthly());
  await deps.queue.schedule(BUDGET_RESET_JOB, '5 0 1 * *');
  deps.queue.handle(RESERVATION_SWEEP_JOB, async () => budgets.sweep());
  await deps.queue.schedule(RESERVATION_SWEEP_JOB, '* * * * *');
  return {
    service,
    budgets,
    limiter,
    routes: (app: App) => trafficRoutes(app, { db: deps.db, audit: deps.audit, broadcast: deps.broadcast, overrides, budgets, service }),
    /** The identity capability's sign-in throttle, shared across instances. */
    loginThrottle: { attempt: (email: string, ip: string) => service.loginAttempt(email, ip) },
    close() {
      limiter.close();
      overrides.stop();
    },
  };
}

export type TrafficModule = Awaited<ReturnType<typeof createTrafficModule>>;
