import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface RedisOptions {
  url: string;
  keyPrefix: string;
  commandTimeoutMs: number;
  logger: Logger;
}

/**
 * One ioredis connection per app, tuned to fail fast: no offline queue (a command while
 * disconnected errors at once), one retry per request, a per-command timeout. Callers choose
 * what a failure means; the cache below swallows it, the rate limiter applies its failure rule.
 */
export interface RedisManager {
  client: Redis;
  keyPrefix: string;
  available(): boolean;
  ping(): Promise<number>;
  /** A separate connection with BullMQ's required settings (blocking commands, no timeouts). */
  duplicateForQueue(): Redis;
  close(): Promise<void>;
}

export function createRedisManager(options: RedisOptions): RedisManager {
  const client = new Redis(options.url, {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  let lastState = 'connecting';
  const note = (state: string, fields: Record<string, unknown> = {}) => {
    if (state === lastState) return;
    lastState = state;
    const level = state === 'ready' ? 'info' : 'warn';
    options.logger[level](fields, `redis.${state}`);
  };
  client.on('ready', () => note('ready'));
  client.on('error', (err: Error) => note('error', { err_message: err.message }));
  client.on('end', () => note('end'));

  return {
    client,
    keyPrefix: options.keyPrefix,
    available: () => client.status === 'ready',
    async ping() {
      const started = performance.now();
      await client.ping();
      return performance.now() - started;
    },
    duplicateForQueue: () =>
      client.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true, commandTimeout: undefined }),
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/** Resolves when the client is ready, or rejects after `timeoutMs` (startup checks). */
export async function waitForRedis(manager: RedisManager, timeoutMs: number): Promise<void> {
  if (manager.available()) return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      manager.client.off('ready', onReady);
      reject(new Error(`Redis did not become ready within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    manager.client.once('ready', onReady);
  });
}
