import { DataDirLockedError, MigrationError, migrate, openMetadataStore } from '../platform/db/index.js';
import { createLogging } from '../platform/logger.js';
import { fail, loadConfigOrExit } from './shared.js';

/** `aureus migrate`: applies pending migrations and reports what it did. */
export async function runMigrate(): Promise<void> {
  const config = loadConfigOrExit();
  const logging = createLogging({ ...config.log, environment: config.environment });
  try {
    const db = await openMetadataStore(config, logging.root);
    try {
      const applied = await migrate(db, logging.root);
      process.stdout.write(applied.length === 0 ? 'Migrations: up to date.\n' : `Migrations applied: ${applied.join(', ')}\n`);
    } finally {
      await db.close();
    }
  } catch (err) {
    if (err instanceof MigrationError || err instanceof DataDirLockedError) fail(err.message);
    throw err;
  } finally {
    await logging.flush();
  }
}
