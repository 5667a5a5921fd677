import type { Executor } from '../../platform/db/index.js';
import type { LimitOverride } from './policies.js';

export type OverrideScope = 'organization' | 'api_key';

export async function allOverrides(db: Executor): Promise<{ scope: OverrideScope; subjectId: string; override: LimitOverride }[]> {
  const { rows } = await db.query<{ scope: OverrideScope; subject_id: string; per_minute: number | null; per_hour: number | null; quota_day: number | null; quota_month: number | null }>(
    'SELECT scope, subject_id, per_minute, per_hour, quota_day, quota_month FROM limit_overrides',
  );
  return rows.map((r) => ({
    scope: r.scope,
    subjectId: r.subject_id,
    override: { perMinute: r.per_minute, perHour: r.per_hour, quotaDay: r.quota_day, quotaMonth: r.quota_month },
  }));
}

export async function upsertOverride(db: Executor, scope: OverrideScope, subjectId: string, organizationId: string, o: LimitOverride): Promise<void> {
  await db.query(
    `INSERT INTO limit_overrides (scope, subject_id, organization_id, per_minute, per_hour, quota_day, quota_month)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (scope, subject_id) DO UPDATE SET per_minute = EXCLUDED.per_minute, per_hour = EXCLUDED.per_hour,
       quota_day = EXCLUDED.quota_day, quota_month = EXCLUDED.quota_month, updated_at = now()`,
    [scope, subjectId, organizationId, o.perMinute, o.perHour, o.quotaDay, o.quotaMonth],
  );
}

export async function organizationTier(db: Executor, id: string): Promise<string | undefined> {
  const { rows } = await db.query<{ tier: string }>('SELECT tier FROM organizations WHERE id = $1', [id]);
  return rows[0]?.tier;
}

export async function setOrganizationTier(db: Executor, id: string, tier: string): Promise<void> {
  await db.query('UPDATE organizations SET tier = $2, updated_at = now() WHERE id = $1', [id, tier]);
}

export async function apiKeyOrganization(db: Executor, id: string): Promise<string | undefined> {
  const { rows } = await db.query<{ organization_id: string }>('SELECT organization_id FROM api_keys WHERE id = $1', [id]);
  return rows[0]?.organization_id;
}
