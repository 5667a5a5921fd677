import { Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { RedisManager } from '../redis.js';
import { type AddOptions, type JobHandler, type JobQueue, type QueueStats, UnknownJobError } from './types.js';

const QUEUE_NAME = 'jobs';

/** BullMQ on Redis: jobs survive restarts, and a job stalled by a dying worker goes to another. */
export function createBullQueue(options: { redis: RedisManager; concurrency: number; logger: Logger }): JobQueue {
  const prefix = `${options.redis.keyPrefix}bull`;
  const handlers = new Map<string, JobHandler>();
  // BullMQ leaves connections it was given open on close; these are ours to end.
  const connections = [options.redis.duplicateForQueue()];
  const queue = new Queue(QUEUE_NAME, {
    connection: connections[0] as ReturnType<RedisManager['duplicateForQueue']>,
    prefix,
    defaultJobOptions: { removeOnComplete: { count: 1000 }, removeOnFail: { count: 5000 } },
  });
  queue.on('error', (err) => options.logger.warn({ err_message: err.message }, 'queue.error'));
  let worker: Worker | undefined;

  return {
    kind: 'bullmq',
    async add(name, data, opts: AddOptions = {}) {
      const job = await queue.add(name, data, {
        ...(opts.jobId ? { jobId: opts.jobId } : {}),
        ...(opts.delayMs ? { delay: opts.delayMs } : {}),
        attempts: opts.attempts ?? 1,
        backoff: { type: 'exponential', delay: 200 },
      });
      return job.id ?? '';
    },
    async schedule(name, cron, data) {
      await queue.upsertJobScheduler(name, { pattern: cron, tz: 'UTC' }, { name, data: data ?? {} });
    },
    handle(name, handler) {
      handlers.set(name, handler);
    },
    async startWorker() {
      if (worker) return;
      const connection = options.redis.duplicateForQueue();
      connections.push(connection);
      worker = new Worker(
        QUEUE_NAME,
        async (job) => {
          const handler = handlers.get(job.name);
          if (!handler) throw new UnknownJobError(job.name);
          return handler({ id: job.id ?? '', name: job.name, data: job.data, attempt: job.attemptsMade + 1 });
        },
        { connection, prefix, concurrency: options.concurrency },
      );
      worker.on('failed', (job, err) =>
        options.logger.error({ job: job?.name, job_id: job?.id, err_message: err.message }, 'queue.job_failed'),
      );
      worker.on('error', (err) => options.logger.warn({ err_message: err.message }, 'queue.worker_error'));
    },
    async stats(): Promise<QueueStats> {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
      return { waiting: counts.waiting ?? 0, active: counts.active ?? 0, delayed: counts.delayed ?? 0, failed: counts.failed ?? 0 };
    },
    async close(graceMs = 10_000) {
      if (worker) {
        const current = worker;
        let graceTimer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<'timeout'>((resolve) => (graceTimer = setTimeout(() => resolve('timeout'), graceMs)));
        const outcome = await Promise.race([current.close().then(() => 'done' as const), timedOut]);
        clearTimeout(graceTimer);
        if (outcome === 'timeout') {
          // Force-close: the running job's lock lapses and BullMQ hands it to another worker.
          options.logger.warn('queue.close_timeout_handing_back');
          await current.close(true);
        }
      }
      await queue.close();
      for (const c of connections) c.disconnect();
    },
  };
}
