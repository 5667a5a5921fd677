export type { Job, JobHandler, JobQueue, QueueStats, AddOptions } from './types.js';
export { UnknownJobError } from './types.js';
export { createMemoryQueue } from './memory.js';
export { createBullQueue } from './bullmq.js';
