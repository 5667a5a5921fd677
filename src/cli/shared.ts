import pino from 'pino';
import type { Aureus } from '../app.js';
import { type Config, ConfigError, loadConfig } from '../config/index.js';

/** Loads the configuration or prints every problem at once and exits 1 (before any socket opens). */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`aureus: refusing to start.\n${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

/** A one-line, readable failure for operator commands (no stack for expected errors). */
export function fail(message: string, code = 1): never {
  process.stderr.write(`aureus: ${message}\n`);
  process.exit(code);
}

/** Runs `fn` against an app built from the environment (no listener), then closes it. */
export async function withApp<T>(fn: (app: Aureus) => Promise<T>): Promise<T> {
  const { buildApp } = await import('../app.js');
  const { DataDirLockedError, MigrationError } = await import('../platform/db/index.js');
  const { createLogging } = await import('../platform/logger.js');
  const config = loadConfigOrExit();
  // Operator commands log only errors, to stderr; their answer is the one line on stdout.
  const logging = createLogging({ level: 'error', format: config.log.format, environment: config.environment, destination: pino.destination(2) });
  let app;
  try {
    app = await buildApp(config, { logging });
  } catch (err) {
    if (err instanceof DataDirLockedError || err instanceof MigrationError) fail(err.message);
    throw err;
  }
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}
