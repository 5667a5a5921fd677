import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../../config/index.js';
import { createPgliteDb } from './pglite.js';
import { createPostgresDb } from './postgres.js';
import type { Db } from './types.js';

export type { Db, Executor, Session, PoolStats, QueryResult } from './types.js';
export { migrate, loadMigrations, MigrationError, type Migration } from './migrate.js';
export { DataDirLockedError, createPgliteDb, type PgliteDb } from './pglite.js';
export { createPostgresDb } from './postgres.js';

/** The metadata store: PostgreSQL when DATABASE_URL is set, else PGlite owning DATA_DIR/meta. */
export async function openMetadataStore(config: Config, logger: Logger): Promise<Db> {
  const { url, poolSize, statementTimeoutMs, echo } = config.database;
  if (url) return createPostgresDb({ url, poolSize, statementTimeoutMs, echo, logger });
  return createPgliteDb({ dir: join(config.dataDir, 'meta'), echo, logger });
}
