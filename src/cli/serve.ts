import closeWithGrace from 'close-with-grace';
import { type Aureus, buildApp } from '../app.js';
import { DataDirLockedError, MigrationError } from '../platform/db/index.js';
import { errorFields } from '../platform/logger.js';
import { preflight } from '../platform/preflight.js';
import { fail, loadConfigOrExit } from './shared.js';

export type Role = 'all' | 'api' | 'worker';

/**
 * `aureus start|api|worker`: builds the app, checks what production needs, then serves. SIGTERM or
 * SIGINT drains in-flight requests, stops the worker and closes pools within SHUTDOWN_TIMEOUT_MS;
 * a second signal exits at once. An uncaught error is logged once and ends the process non-zero
 * after the same bounded drain.
 */
export async function serve(role: Role): Promise<void> {
  const config = loadConfigOrExit();
  let aureus;
  try {
    aureus = await buildApp(config);
  } catch (err) {
    if (err instanceof DataDirLockedError || err instanceof MigrationError) fail(err.message);
    throw err;
  }
  await runServer(aureus, role);
}

/** Serves a built app in the given role until a signal or a crash ends the process. */
export async function runServer(aureus: Aureus, role: Role): Promise<void> {
  const { config } = aureus;
  const logger = aureus.logging.child('process');
  const problems = await preflight(config, aureus.db, aureus.redis, logger);
  if (problems.length > 0 && config.environment === 'production') {
    await aureus.close();
    fail(`refusing to start.\nInvalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  for (const p of problems) logger.warn({ problem: p }, 'preflight.warning');

  closeWithGrace({ delay: config.shutdownTimeoutMs, logger: false }, async ({ signal, err }) => {
    if (err) logger.fatal(errorFields(err, config.environment), 'process.crashed');
    else logger.info({ signal }, 'process.shutting_down');
    await aureus.close();
    logger.info('process.stopped');
    await aureus.logging.flush();
  });

  if (role !== 'api') await aureus.startWorker();
  if (role !== 'worker') {
    const address = await aureus.listen();
    logger.info({ address, role, store: aureus.db.kind, redis: Boolean(aureus.redis), queue: aureus.queue.kind }, 'process.ready');
  } else {
    logger.info({ role, queue: aureus.queue.kind }, 'process.ready');
  }
}
