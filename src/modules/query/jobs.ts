import type { Logger } from 'pino';
import type { JobQueue } from '../../platform/queue/index.js';
import { stopped } from './execute.js';
import { EXECUTE_JOB, type QueryService } from './service.js';
import type { QueryStore } from './store.js';

export const CLEANUP_JOB = 'query.cleanup';
/** Hourly, at a minute no other job uses. */
export const CLEANUP_CRON = '17 * * * *';

/**
 * Retention: sealed results past RESULT_TTL_DAYS are deleted (the query rows and their audit stay).
 * Queries still pending or running long after any timeout could allow lost their worker (a process
 * killed mid-run); they are failed, with their audit events, rather than left spinning forever.
 */
export async function cleanup(store: QueryStore, now: Date, staleAfterMs: number, logger: Logger): Promise<{ deleted: number; failed: number }> {
  const deleted = await store.deleteExpired(now);
  let failed = 0;
  for (const q of await store.stale(new Date(now.getTime() - staleAfterMs))) {
    const outcome = { ...stopped('cancel'), status: 'error' as const, errorCode: 'INTERNAL_ERROR', errorMessage: 'The worker running this query stopped before it finished.' };
    if (await store.finish(q, outcome, false)) failed++;
  }
  if (deleted > 0 || failed > 0) logger.info({ deleted, failed }, 'query.cleanup');
  return { deleted, failed };
}

export function registerQueryJobs(queue: JobQueue, deps: { service: QueryService; store: QueryStore; staleAfterMs: number; logger: Logger }): void {
  queue.handle(EXECUTE_JOB, (job) => deps.service.runQueued((job.data as { queryId: string }).queryId));
  queue.handle(CLEANUP_JOB, async (job) => {
    const at = (job.data as { at?: string } | undefined)?.at;
    return cleanup(deps.store, at ? new Date(at) : new Date(), deps.staleAfterMs, deps.logger);
  });
}
