import type { Broadcast } from '../../platform/broadcast.js';
import type { Db } from '../../platform/db/index.js';
import type { LogLevel } from '../../config/index.js';
import type { Logging } from '../../platform/logger.js';
import type { AuditService } from '../audit/index.js';
import type { Actor, KillSwitch } from './kill-switch.js';

export interface AdminService {
  killSwitch: KillSwitch;
  logLevel(): LogLevel;
  /** Changes the level of every logger on every instance at once (seed 001 INFRA-17), audited. */
  setLogLevel(level: LogLevel, actor: Actor): Promise<{ level: LogLevel; previous: LogLevel }>;
}

export function createAdminService(deps: { db: Db; audit: AuditService; logging: Logging; killSwitch: KillSwitch; broadcast: Broadcast }): AdminService {
  // Every instance follows a level change, wherever it was made.
  deps.broadcast.subscribe((m) => {
    if (m.type === 'log_level') deps.logging.setLevel(m.level as LogLevel);
  });
  return {
    killSwitch: deps.killSwitch,
    logLevel: () => deps.logging.level(),
    async setLogLevel(level, actor) {
      const previous = deps.logging.level();
      await deps.db.transaction((tx) =>
        deps.audit.record(tx, {
          type: 'logging.level_changed',
          organizationId: actor.organizationId,
          userId: actor.userId,
          resourceType: 'setting',
          resourceId: 'log_level',
          details: { level, previous, via: actor.via },
        }),
      );
      await deps.broadcast.publish({ type: 'log_level', level });
      return { level, previous };
    },
  };
}
