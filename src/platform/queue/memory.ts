import { randomUUID } from 'node:crypto';
import { Cron } from 'croner';
import type { Logger } from 'pino';
import { type AddOptions, type Job, type JobHandler, type JobQueue, type QueueStats, UnknownJobError } from './types.js';

interface Pending {
  job: Job;
  attempts: number;
  runAt: number;
}

const RETRY_BASE_MS = 200;

/** In-process queue for the embedded mode: same interface, jobs live only as long as the process. */
export function createMemoryQueue(options: { concurrency: number; logger: Logger }): JobQueue {
  const handlers = new Map<string, JobHandler>();
  const pending: Pending[] = [];
  const ids = new Set<string>();
  const active = new Set<Promise<void>>();
  const crons: Cron[] = [];
  let failed = 0;
  let running = false;
  let timer: NodeJS.Timeout | undefined;

  const pump = (): void => {
    if (!running) return;
    const now = Date.now();
    while (active.size < options.concurrency) {
      const index = pending.findIndex((p) => p.runAt <= now);
      if (index < 0) break;
      const [item] = pending.splice(index, 1) as [Pending];
      const run = execute(item).finally(() => {
        active.delete(run);
        ids.delete(item.job.id);
        pump();
      });
      active.add(run);
    }
    const next = pending.reduce((min, p) => Math.min(min, p.runAt), Infinity);
    clearTimeout(timer);
    if (next !== Infinity) timer = setTimeout(pump, Math.max(0, next - Date.now()));
  };

  async function execute(item: Pending): Promise<void> {
    const handler = handlers.get(item.job.name);
    try {
      if (!handler) throw new UnknownJobError(item.job.name);
      await handler(item.job);
    } catch (err) {
      if (item.job.attempt < item.attempts) {
        const delay = RETRY_BASE_MS * 2 ** (item.job.attempt - 1);
        ids.add(item.job.id);
        pending.push({ ...item, job: { ...item.job, attempt: item.job.attempt + 1 }, runAt: Date.now() + delay });
        return;
      }
      failed++;
      options.logger.error({ job: item.job.name, job_id: item.job.id, err_message: (err as Error).message }, 'queue.job_failed');
    }
  }

  return {
    kind: 'memory',
    async add(name, data, opts: AddOptions = {}) {
      const id = opts.jobId ?? randomUUID();
      if (ids.has(id)) return id;
      ids.add(id);
      pending.push({ job: { id, name, data, attempt: 1 }, attempts: opts.attempts ?? 1, runAt: Date.now() + (opts.delayMs ?? 0) });
      pump();
      return id;
    },
    async schedule(name, cron, data) {
      crons.push(new Cron(cron, { timezone: 'UTC', protect: true }, () => void this.add(name, data ?? {})));
    },
    handle(name, handler) {
      handlers.set(name, handler);
    },
    async startWorker() {
      running = true;
      pump();
    },
    async stats(): Promise<QueueStats> {
      const now = Date.now();
      const delayed = pending.filter((p) => p.runAt > now).length;
      return { waiting: pending.length - delayed, active: active.size, delayed, failed };
    },
    async close(graceMs = 10_000) {
      running = false;
      clearTimeout(timer);
      for (const c of crons) c.stop();
      let graceTimer: NodeJS.Timeout | undefined;
      const grace = new Promise<'timeout'>((resolve) => (graceTimer = setTimeout(() => resolve('timeout'), graceMs)));
      const outcome = await Promise.race([Promise.allSettled([...active]).then(() => 'done' as const), grace]);
      clearTimeout(graceTimer);
      if (outcome === 'timeout') options.logger.warn({ active: active.size }, 'queue.close_timeout');
      if (pending.length > 0) options.logger.warn({ dropped: pending.length }, 'queue.pending_dropped');
    },
  };
}
