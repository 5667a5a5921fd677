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
