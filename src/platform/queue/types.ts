export interface Job<T = unknown> {
  id: string;
  name: string;
  data: T;
  /** 1 on the first run, 2 on the first retry, … */
  attempt: number;
}

export type JobHandler = (job: Job) => Promise<unknown>;

export interface AddOptions {
  /** Same id twice = one job (idempotent enqueue). */
  jobId?: string;
  delayMs?: number;
  attempts?: number;
}

export interface QueueStats {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

/**
 * The job queue both adapters implement: BullMQ on Redis (jobs survive restarts and move between
 * workers) and an in-process queue for the embedded mode. API processes add jobs; worker
 * processes handle them.
 */
export interface JobQueue {
  readonly kind: 'bullmq' | 'memory';
  add(name: string, data: unknown, options?: AddOptions): Promise<string>;
  /** Runs `name` on a cron expression (UTC), once per schedule across all workers. */
  schedule(name: string, cron: string, data?: unknown): Promise<void>;
  /** Registers what a job name does; modules call this while the app is composed. */
  handle(name: string, handler: JobHandler): void;
  /** Starts taking jobs (worker role). */
  startWorker(): Promise<void>;
  stats(): Promise<QueueStats>;
  /**
   * Stops taking jobs and waits for running ones to finish; after `graceMs` a running job is
   * handed back (BullMQ re-queues it for another worker) instead of being cut off silently.
   */
  close(graceMs?: number): Promise<void>;
}

export class UnknownJobError extends Error {
  constructor(name: string) {
    super(`No handler registered for job "${name}"`);
    this.name = 'UnknownJobError';
  }
}
