import type { Logger } from 'pino';
import type { RedisManager } from './redis.js';

/**
 * Fail-safe cache (seed 000 §6): a failed Redis call is a miss, never an error, so a cache
 * outage costs latency and nothing else.
 */
export interface Cache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  delete(key: string): Promise<boolean>;
  /** Deletes every key matching a glob pattern, using SCAN so Redis is never blocked. */
  invalidatePattern(pattern: string): Promise<number>;
}

export function createRedisCache(redis: RedisManager, logger: Logger): Cache {
  const { client, keyPrefix } = redis;
  const safe = async <T>(op: string, fallback: T, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      logger.debug({ op, err_message: (err as Error).message }, 'cache.redis_error');
      return fallback;
    }
  };
  return {
    get: (key) => safe('get', undefined, async () => (await client.get(keyPrefix + key)) ?? undefined),
    set: (key, value, ttl) => safe('set', false, async () => (await client.set(keyPrefix + key, value, 'EX', ttl)) === 'OK'),
    delete: (key) => safe('delete', false, async () => (await client.del(keyPrefix + key)) > 0),
    invalidatePattern: (pattern) =>
      safe('invalidatePattern', 0, async () => {
        let cursor = '0';
        let deleted = 0;
        do {
          const [next, keys] = await client.scan(cursor, 'MATCH', keyPrefix + pattern, 'COUNT', 500);
          cursor = next;
          if (keys.length > 0) deleted += await client.del(...keys);
        } while (cursor !== '0');
        return deleted;
      }),
  };
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

/** The in-process equivalent: a bounded map with expiry, oldest entries evicted first. */
export function createMemoryCache(maxEntries = 10_000, now: () => number = Date.now): Cache {
  const entries = new Map<string, { value: string; expiresAt: number }>();
  const live = (key: string) => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= now()) entries.delete(key);
    return entries.get(key);
  };
  return {
    get: async (key) => live(key)?.value,
    async set(key, value, ttl) {
      entries.delete(key);
      entries.set(key, { value, expiresAt: now() + ttl * 1000 });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
      return true;
    },
    delete: async (key) => entries.delete(key),
    async invalidatePattern(pattern) {
      const re = globToRegExp(pattern);
      let deleted = 0;
      for (const key of [...entries.keys()]) if (re.test(key) && entries.delete(key)) deleted++;
      return deleted;
    },
  };
}
