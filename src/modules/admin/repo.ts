import type { Executor } from '../../platform/db/index.js';

export interface KillSwitchRow {
  on: boolean;
  reason: string | null;
  changedAt: Date;
  changedBy: string | null;
}

const KEY = 'kill_switch';

export async function findKillSwitch(db: Executor): Promise<KillSwitchRow | undefined> {
  const { rows } = await db.query<{ value: { on: boolean; reason?: string | null }; updated_at: Date; updated_by: string | null }>(
    'SELECT value, updated_at, updated_by FROM settings WHERE key = $1',
    [KEY],
  );
  const row = rows[0];
  if (!row) return undefined;
  return { on: row.value.on === true, reason: row.value.reason ?? null, changedAt: row.updated_at, changedBy: row.updated_by };
}

export async function saveKillSwitch(db: Executor, on: boolean, reason: string | null, userId: string | null): Promise<KillSwitchRow> {
  const { rows } = await db.query<{ updated_at: Date }>(
    `INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($1, $2, now(), $3)
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
     RETURNING updated_at`,
    [KEY, JSON.stringify({ on, reason }), userId],
  );
  return { on, reason, changedAt: (rows[0] as { updated_at: Date }).updated_at, changedBy: userId };
}
