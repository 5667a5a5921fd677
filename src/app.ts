import type { Config } from './config/index.js';
import { registerDocs } from './http/docs.js';
import { type App, createServer } from './http/server.js';
import { installAuthentication } from './http/authenticate.js';
import { installRateLimit } from './http/rate-limit.js';
import { createAdminModule } from './modules/admin/index.js';
import { createApiKeysModule } from './modules/api-keys/index.js';
import { createAuditModule } from './modules/audit/index.js';
import { createDatasetsModule } from './modules/datasets/index.js';
import { createGuard } from './modules/guard/index.js';
import { createHealthModule } from './modules/health/index.js';
import { createIdentityModule } from './modules/identity/index.js';
import { createLlmModule } from './modules/llm/index.js';
import { createQueryModule } from './modules/query/index.js';
import { createTrafficModule } from './modules/traffic/index.js';
import { type Broadcast, createLocalBroadcast, createRedisBroadcast } from './platform/broadcast.js';
import { type Cache, createMemoryCache, createRedisCache } from './platform/cache.js';
import { type Db, migrate, openMetadataStore } from './platform/db/index.js';
import { type Logging, createLogging } from './platform/logger.js';
import { type Metrics, createMetrics } from './platform/metrics.js';
import { type JobQueue, createBullQueue, createMemoryQueue } from './platform/queue/index.js';
import { type RedisManager, createRedisManager } from './platform/redis.js';
import { BreakerRegistry } from './platform/resilience.js';
import { VERSION } from './version.js';

/** Ready-made platform objects a caller (a test, the CLI) supplies instead of having them built. */
export interface Overrides {
  logging?: Logging;
  db?: Db;
  /** `null`: run without Redis even if REDIS_URL is set. */
  redis?: RedisManager | null;
  queue?: JobQueue;
  /** Shared with another app in the same process (tests of two instances on the embedded store). */
  broadcast?: Broadcast;
  /** Where the generated first-admin password is printed once (default: stdout). */
  announce?: (text: string) => void;
}

export interface Aureus {
  server: App;
  config: Config;
  logging: Logging;
  db: Db;
  redis: RedisManager | undefined;
  cache: Cache;
  queue: JobQueue;
  breakers: BreakerRegistry;
  metrics: Metrics;
  broadcast: Broadcast;
  modules: {
    audit: Awaited<ReturnType<typeof createAuditModule>>;
    admin: ReturnType<typeof createAdminModule>;
    health: ReturnType<typeof createHealthModule>;
    identity: Awaited<ReturnType<typeof createIdentityModule>>;
    apiKeys: ReturnType<typeof createApiKeysModule>;
    traffic: Awaited<ReturnType<typeof createTrafficModule>>;
    datasets: Awaited<ReturnType<typeof createDatasetsModule>>;
    query: ReturnType<typeof createQueryModule>;
    llm: ReturnType<typeof createLlmModule>;
  };
  listen(): Promise<string>;
  startWorker(): Promise<void>;
  close(): Promise<void>;
}

function registerPlatformGauges(metrics: Metrics, deps: { db: Db; queue: JobQueue; breakers: BreakerRegistry; killSwitchOn: () => boolean; redis?: RedisManager }) {
  metrics.gauge('aureus_db_pool_connections', 'Metadata store pool connections by state.', ['state'], (set) => {
    const s = deps.db.poolStats();
    set({ state: 'total' }, s.total);
    set({ state: 'idle' }, s.idle);
    set({ state: 'waiting' }, s.waiting);
    set({ state: 'max' }, s.size);
  });
  metrics.gauge('aureus_queue_jobs', 'Jobs in the queue by state.', ['state'], async (set) => {
    const s = await deps.queue.stats().catch(() => undefined);
    if (s) for (const [state, n] of Object.entries(s)) set({ state }, n);
  });
  metrics.gauge('aureus_breaker_state', 'Circuit breaker state: 0 closed, 1 half open, 2 open.', ['breaker'], (set) => {
    for (const b of deps.breakers.all()) set({ breaker: b.name }, { closed: 0, half_open: 1, open: 2 }[b.state()]);
  });
  metrics.gauge('aureus_kill_switch_on', 'Whether the kill switch is on.', [], (set) => set({}, deps.killSwitchOn() ? 1 : 0));
  metrics.gauge('aureus_redis_up', 'Whether Redis is connected (absent when not configured).', [], (set) => {
    if (deps.redis) set({}, deps.redis.available() ? 1 : 0);
  });
}

/**
 * The composition root: builds each platform object once, then each module, and hands the
 * modules' routes to the server. Adding a capability adds its line here.
 */
export async function buildApp(config: Config, overrides: Overrides = {}): Promise<Aureus> {
  const logging = overrides.logging ?? createLogging({ ...config.log, environment: config.environment });
  const logger = logging.child('platform');
  const db = overrides.db ?? (await openMetadataStore(config, logger));
  const owned: (() => Promise<void>)[] = [];
  if (!overrides.db) owned.push(() => db.close());
  try {
    await migrate(db, logger);
    const redis =
      overrides.redis === null ? undefined
      : (overrides.redis ?? (config.redis.url ? createRedisManager({ ...config.redis, url: config.redis.url, logger }) : undefined));
    if (redis && overrides.redis === undefined) owned.unshift(() => redis.close());
    const cache = redis ? createRedisCache(redis, logging.child('cache')) : createMemoryCache();
    const queue =
      overrides.queue ??
      (redis
        ? createBullQueue({ redis, concurrency: config.queue.concurrency, logger: logging.child('queue') })
        : createMemoryQueue({ concurrency: config.queue.concurrency, logger: logging.child('queue') }));
    const breakers = new BreakerRegistry();
    const metrics = createMetrics({ defaultMetrics: true });

    const broadcast = overrides.broadcast ?? (redis ? createRedisBroadcast(redis, logging.child('broadcast')) : createLocalBroadcast());
    if (!overrides.broadcast) owned.unshift(() => broadcast.close());

    const audit = await createAuditModule({ db, config, logger: logging.child('audit'), queue });
    const admin = createAdminModule({ db, audit: audit.service, logging, logger: logging.child('admin'), broadcast, killSwitch: config.killSwitch });
    const traffic = await createTrafficModule({ db, redis, audit: audit.service, broadcast, metrics, queue, config, logger: logging.child('traffic') });
    const identity = await createIdentityModule({ db, audit: audit.service, broadcast, config, logger: logging.child('identity'), throttle: traffic.loginThrottle });
    const apiKeys = createApiKeysModule({ db, audit: audit.service, broadcast, logger: logging.child('api_keys') });
    const firstAdmin = await identity.bootstrap();
    if (firstAdmin) {
      // Printed once, outside the logs, so the password never reaches a log aggregator.
      (overrides.announce ?? ((text) => process.stdout.write(text)))(
        `\nAureus created the first admin account.\n  email:    ${firstAdmin.email}\n  password: ${firstAdmin.password}\nIt is shown only this once; change it after signing in.\n\n`,
      );
    }
    const killSwitchOn = admin.service.killSwitch.isOn;
    await admin.service.killSwitch.start();
    const guard = await createGuard({ maxSqlBytes: config.guard.maxSqlBytes });
    const datasets = await createDatasetsModule({ db, audit: audit.service, guard, breakers, broadcast, config, logger: logging.child('datasets') });
    owned.unshift(() => datasets.close());
    const llm = createLlmModule({ config: config.llm, db, guard, audit: audit.service, budgets: traffic.budgets, breakers, metrics, logger: logging.child('llm') });
    const query = createQueryModule({
      db, audit: audit.service, guard, datasets, queue, cache, broadcast, metrics, killSwitch: admin.service.killSwitch, config, logger: logging.child('query'), asker: llm.asker,
    });
    const health = createHealthModule({
      db, redis, queue, breakers, killSwitchOn, metrics,
      metricsToken: config.http.metricsToken,
      version: VERSION,
      environment: config.environment,
      startedAt: Date.now(),
    });
    registerPlatformGauges(metrics, { db, queue, breakers, killSwitchOn, ...(redis ? { redis } : {}) });
    audit.registerMetrics(metrics);
    health.service.addCheck('audit', audit.healthCheck);
    health.service.addCheck('llm', llm.healthCheck);
    health.service.addCheck('rate_limiter', async () =>
      !redis ? { message: 'in-process memory (no Redis configured)', configured: false }
      : traffic.limiter.state() === 'redis' ? { message: 'shared through Redis' }
      : { message: `Redis unreachable: ${config.rateLimit.redisFailure} mode`, status: 'degraded' },
    );

    const server = createServer({ config, logging, metrics, killSwitchOn });
    installAuthentication(server, {
      accessToken: (token) => identity.sessions.authenticate(token),
      apiKey: (secret) => apiKeys.service.authenticate(secret),
      isApiKey: apiKeys.isKey,
      onFailure: (ip) => traffic.service.failedAuthentication(ip),
    });
    installRateLimit(server, traffic.service);
    await registerDocs(server, VERSION);
    health.routes(server);
    identity.routes(server);
    apiKeys.routes(server);
    admin.routes(server);
    traffic.routes(server);
    datasets.routes(server);
    query.routes(server);
    llm.routes(server, query.service, datasets.service);
    audit.routes(server);
    // Last, so a failed start-up leaves no sealer running.
    await audit.start();

    let closed = false;
    return {
      server, config, logging, db, redis, cache, queue, breakers, metrics, broadcast,
      modules: { audit, admin, health, identity, apiKeys, traffic, datasets, query, llm },
      async listen() {
        return server.listen({ host: config.http.host, port: config.http.port });
      },
      async startWorker() {
        await queue.startWorker();
        await datasets.start({ warmDemo: config.environment !== 'test' });
        await query.startWorker();
      },
      async close() {
        if (closed) return;
        closed = true;
        await server.close();
        admin.service.killSwitch.stop();
        identity.close();
        traffic.close();
        await apiKeys.close();
        await audit.close();
        await queue.close(config.shutdownTimeoutMs / 2);
        await query.close();
        for (const close of owned) await close();
        await logging.flush();
      },
    };
  } catch (err) {
    for (const close of owned) await close().catch(() => undefined);
    throw err;
  }
}
