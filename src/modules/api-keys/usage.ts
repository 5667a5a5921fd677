import type { Logger } from 'pino';
import type { Db } from '../../platform/db/index.js';
import { addUsage } from './repo.js';

/**
 * Usage counts and last-used times are gathered in memory and written in one statement every
 * few seconds, so authenticating a request never writes to the database.
 */
export class UsageRecorder {
  private pending = new Map<string, { count: number; lastUsedAt: Date }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly db: Db, private readonly logger: Logger, private readonly intervalMs = 5_000) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  record(keyId: string, at = new Date()): void {
    const entry = this.pending.get(keyId);
    if (entry) {
      entry.count++;
      entry.lastUsedAt = at;
    } else {
      this.pending.set(keyId, { count: 1, lastUsedAt: at });
    }
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await addUsage(this.db, [...batch].map(([id, u]) => ({ id, ...u })));
    } catch (err) {
      // Put the counts back so the next flush carries them.
      for (const [id, u] of batch) {
        const now = this.pending.get(id);
        this.pending.set(id, now ? { count: now.count + u.count, lastUsedAt: now.lastUsedAt } : u);
      }
      this.logger.warn({ err_message: (err as Error).message }, 'api_keys.usage_flush_failed');
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
