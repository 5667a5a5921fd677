import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Db } from './db/index.js';
import { type RedisManager, waitForRedis } from './redis.js';

/**
 * Start-up checks that need the network (seed 001 INFRA-11, -12). Returns every problem found;
 * in production the caller refuses to start on any, elsewhere they are warnings.
 */
export async function preflight(config: Config, db: Db, redis: RedisManager | undefined, logger: Logger): Promise<string[]> {
  const problems: string[] = [];
  const { poolSize } = config.database;
  const total = poolSize * config.expectedInstances;
  try {
    const { rows } = await db.query<{ max_connections: string }>('SHOW max_connections');
    const reserved = await db.query<{ superuser_reserved_connections: string }>('SHOW superuser_reserved_connections');
    const max = Number(rows[0]?.max_connections);
    const usable = max - Number(reserved.rows[0]?.superuser_reserved_connections ?? 0);
    logger.info(
      { pool_size: poolSize, instances: config.expectedInstances, total_connections: total, max_connections: max, store: db.kind },
      'db.connection_budget',
    );
    if (db.kind === 'postgres' && total > usable) {
      problems.push(
        `DATABASE_POOL_SIZE ${poolSize} × EXPECTED_INSTANCES ${config.expectedInstances} = ${total} connections, ` +
          `more than the ${usable} the database allows (max_connections ${max} less reserved)`,
      );
    }
  } catch (err) {
    problems.push(`metadata store: ${(err as Error).message}`);
  }
  if (config.environment === 'production' && redis) {
    try {
      await waitForRedis(redis, 3_000);
    } catch (err) {
      problems.push(`REDIS_URL: Redis is not reachable (${(err as Error).message})`);
    }
  }
  return problems;
}
