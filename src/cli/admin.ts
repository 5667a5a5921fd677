import type { Command } from 'commander';
import pino from 'pino';
import type { Aureus } from '../app.js';
import { fail, loadConfigOrExit } from './shared.js';

async function withApp<T>(fn: (app: Aureus) => Promise<T>): Promise<T> {
  const { buildApp } = await import('../app.js');
  const { DataDirLockedError, MigrationError } = await import('../platform/db/index.js');
  const { createLogging } = await import('../platform/logger.js');
  const config = loadConfigOrExit();
  // Operator commands log only errors, to stderr; their answer is the one line on stdout.
  const logging = createLogging({ level: 'error', format: config.log.format, environment: config.environment, destination: pino.destination(2) });
  let app;
  try {
    app = await buildApp(config, { logging, redis: null });
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

/** `aureus admin …`: operator commands against the configured store. */
export function registerAdminCommands(program: Command): void {
  const admin = program.command('admin').description('Operator commands against the configured metadata store');
  admin
    .command('kill-switch')
    .description('Turn the kill switch on or off (every instance follows within a second)')
    .argument('<state>', 'on or off')
    .option('--reason <text>', 'why, recorded in the audit trail')
    .action(async (state: string, options: { reason?: string }) => {
      if (state !== 'on' && state !== 'off') fail('kill-switch takes "on" or "off"', 2);
      const result = await withApp((app) =>
        app.modules.admin.service.killSwitch.set(state === 'on', { userId: null, organizationId: null, via: 'cli' }, options.reason),
      ).catch((err: Error) => fail(err.message));
      process.stdout.write(`Kill switch is ${result.on ? 'ON' : 'off'}${result.forced ? ' (forced by KILL_SWITCH)' : ''}.\n`);
    });
}
