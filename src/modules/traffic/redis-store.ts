import type { Redis } from 'ioredis';
import type { RedisManager } from '../../platform/redis.js';
import { SLIDING_WINDOW_LUA } from './redis-script.js';
import { type Plan, type Tally, plansFor, toResult } from './sliding-window.js';
import type { ProbedStore, WindowPolicy } from './types.js';

const COMMAND = 'aureusSlidingWindow';

type ScriptedClient = Redis & { [COMMAND](numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number[]> };

/**
 * Window keys share a hash tag, so one key's windows live in one Redis Cluster slot. Windows with
 * their own scope live under it; a check across scopes therefore needs one Redis primary (not a
 * Cluster), which is how Aureus deploys Redis.
 */
function windowKey(prefix: string, key: string, p: Plan): string {
  return `${prefix}rl:{${p.scope ?? key}}:${p.name}:${p.bucketMs}`;
}

const argCache = new WeakMap<readonly Plan[], (string | number)[]>();

function argsFor(plans: readonly Plan[]): (string | number)[] {
  let args = argCache.get(plans);
  if (!args) {
    args = plans.flatMap((p) => [p.limit, p.bucketMs, p.span]);
    argCache.set(plans, args);
  }
  return args;
}

/**
 * The shared store: one EVALSHA per check (ioredis `defineCommand` sends EVAL the first time on a
 * connection and falls back to EVAL on NOSCRIPT). Errors and timeouts propagate; the failover
 * wrapper decides what they mean.
 */
export function createRedisStore(redis: Pick<RedisManager, 'client' | 'keyPrefix'>): ProbedStore {
  const client = redis.client as ScriptedClient;
  if (typeof client[COMMAND] !== 'function') client.defineCommand(COMMAND, { lua: SLIDING_WINDOW_LUA });
  return {
    async check(key: string, policies: readonly WindowPolicy[]) {
      const plans = plansFor(policies);
      const keys = plans.map((p) => windowKey(redis.keyPrefix, key, p));
      const reply = await client[COMMAND](keys.length, ...keys, ...argsFor(plans));
      const now = reply[1] as number;
      const tallies: Tally[] = plans.map((_, w) => ({ count: reply[2 + 2 * w] as number, resetMs: reply[3 + 2 * w] as number }));
      return toResult(plans, now, reply[0] === 1, tallies, 'redis');
    },
    async ping() {
      await client.ping();
    },
  };
}
