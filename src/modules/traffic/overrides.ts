import type { Broadcast } from '../../platform/broadcast.js';
import type { Db } from '../../platform/db/index.js';
import type { LimitOverride } from './policies.js';
import { allOverrides } from './repo.js';

/**
 * Overrides are read on every request, so they live in memory: loaded at start, reloaded when any
 * instance changes one (broadcast), and every minute as a backstop.
 */
export class OverrideCache {
  private organizations = new Map<string, LimitOverride>();
  private keys = new Map<string, LimitOverride>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly db: Db, broadcast: Broadcast) {
    broadcast.subscribe((m) => {
      if (m.type === 'limits_changed') void this.reload();
    });
  }

  async start(): Promise<void> {
    await this.reload();
    this.timer = setInterval(() => void this.reload().catch(() => undefined), 60_000);
    this.timer.unref();
  }

  async reload(): Promise<void> {
    const organizations = new Map<string, LimitOverride>();
    const keys = new Map<string, LimitOverride>();
    for (const o of await allOverrides(this.db)) (o.scope === 'organization' ? organizations : keys).set(o.subjectId, o.override);
    this.organizations = organizations;
    this.keys = keys;
  }

  organization(id: string): LimitOverride | undefined {
    return this.organizations.get(id);
  }

  apiKey(id: string): LimitOverride | undefined {
    return this.keys.get(id);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
