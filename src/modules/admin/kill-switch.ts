import type { Logger } from 'pino';
import type { Db } from '../../platform/db/index.js';
import { AppError } from '../../platform/errors.js';
import type { AuditService } from '../audit/index.js';
import { type KillSwitchRow, findKillSwitch, saveKillSwitch } from './repo.js';

export interface KillSwitchState {
  on: boolean;
  /** KILL_SWITCH=true in the environment: on, and not switchable off from here. */
  forced: boolean;
  reason: string | null;
  changed_at: string | null;
  changed_by: string | null;
}

/** Who flips the switch: a signed-in admin, or an operator at the command line. */
export interface Actor {
  userId: string | null;
  organizationId: string | null;
  via: 'http' | 'cli';
}

export interface KillSwitch {
  isOn(): boolean;
  state(): KillSwitchState;
  set(on: boolean, actor: Actor, reason?: string): Promise<KillSwitchState>;
  /** Called with the new value whenever this instance sees the switch change. */
  onChange(listener: (on: boolean) => void): void;
  /** Loads the stored state and starts following it (polling the shared store). */
  start(): Promise<void>;
  stop(): void;
}

/**
 * The kill switch lives in the shared metadata store, so it survives restarts and every instance
 * sees it: each polls every KILL_SWITCH_POLL_MS (default 500 ms), well inside the 1 s promise.
 */
export function createKillSwitch(deps: { db: Db; audit: AuditService; logger: Logger; forced: boolean; pollMs: number }): KillSwitch {
  let stored: KillSwitchRow | undefined;
  let timer: NodeJS.Timeout | undefined;
  const listeners: ((on: boolean) => void)[] = [];
  const isOn = () => deps.forced || stored?.on === true;

  const apply = (next: KillSwitchRow | undefined) => {
    const before = isOn();
    stored = next;
    const after = isOn();
    if (before !== after) {
      deps.logger.warn({ on: after }, 'kill_switch.changed');
      for (const listener of listeners) listener(after);
    }
  };

  const refresh = async () => {
    try {
      apply(await findKillSwitch(deps.db));
    } catch (err) {
      // Keep the last known state: a store hiccup must not silently turn the switch off.
      deps.logger.warn({ err_message: (err as Error).message }, 'kill_switch.refresh_failed');
    }
  };

  const state = (): KillSwitchState => ({
    on: isOn(),
    forced: deps.forced,
    reason: stored?.reason ?? (deps.forced ? 'KILL_SWITCH=true in the environment' : null),
    changed_at: stored?.changedAt.toISOString() ?? null,
    changed_by: stored?.changedBy ?? null,
  });

  return {
    isOn,
    state,
    async set(on, actor, reason) {
      if (!on && deps.forced) {
        throw new AppError('CONFLICT', 'KILL_SWITCH=true is set in the environment; unset it and restart to turn the switch off.');
      }
      const row = await deps.db.transaction(async (tx) => {
        const saved = await saveKillSwitch(tx, on, reason ?? null, actor.userId);
        await deps.audit.record(tx, {
          type: 'kill_switch.changed',
          organizationId: actor.organizationId,
          userId: actor.userId,
          resourceType: 'setting',
          resourceId: 'kill_switch',
          details: { on, reason: reason ?? null, via: actor.via },
        });
        return saved;
      });
      apply(row);
      return state();
    },
    onChange(listener) {
      listeners.push(listener);
    },
    async start() {
      await refresh();
      timer = setInterval(() => void refresh(), deps.pollMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
    },
  };
}
