import type { Executor } from '../../platform/db/index.js';
import type { Role, Tier } from '../identity/index.js';

export interface ApiKey {
  id: string;
  organizationId: string;
  createdBy: string;
  name: string;
  lookupPrefix: string;
  keyHash: string;
  role: Role;
  tier: Tier | null;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  usageCount: number;
  rotatedFrom: string | null;
}

/** A key with what authentication needs about its owner and organization. */
export interface KeyWithOwner extends ApiKey {
  ownerActive: boolean;
  ownerEmail: string;
  ownerTeam: string | null;
  organizationTier: Tier;
}

const COLUMNS = `k.id, k.organization_id, k.created_by, k.name, k.lookup_prefix, k.key_hash, k.role, k.tier, k.created_at,
  k.expires_at, k.revoked_at, k.last_used_at, k.usage_count, k.rotated_from`;

function toKey(r: Record<string, unknown>): ApiKey {
  return {
    id: r.id as string,
    organizationId: r.organization_id as string,
    createdBy: r.created_by as string,
    name: r.name as string,
    lookupPrefix: r.lookup_prefix as string,
    keyHash: r.key_hash as string,
    role: r.role as Role,
    tier: r.tier as Tier | null,
    createdAt: r.created_at as Date,
    expiresAt: r.expires_at as Date | null,
    revokedAt: r.revoked_at as Date | null,
    lastUsedAt: r.last_used_at as Date | null,
    usageCount: Number(r.usage_count),
    rotatedFrom: r.rotated_from as string | null,
  };
}

export interface NewKey {
  organizationId: string;
  createdBy: string;
  name: string;
  lookupPrefix: string;
  keyHash: string;
  role: Role;
  tier: Tier | null;
  expiresAt: Date | null;
  rotatedFrom: string | null;
}

export async function insertKey(db: Executor, k: NewKey): Promise<ApiKey> {
  const { rows } = await db.query(
    `INSERT INTO api_keys AS k (organization_id, created_by, name, lookup_prefix, key_hash, role, tier, expires_at, rotated_from)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
    [k.organizationId, k.createdBy, k.name, k.lookupPrefix, k.keyHash, k.role, k.tier, k.expiresAt, k.rotatedFrom],
  );
  return toKey(rows[0] as Record<string, unknown>);
}

export async function findByPrefix(db: Executor, lookupPrefix: string): Promise<KeyWithOwner | undefined> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS}, u.is_active AS owner_active, u.email AS owner_email, u.team AS owner_team, o.tier AS organization_tier
     FROM api_keys k JOIN users u ON u.id = k.created_by JOIN organizations o ON o.id = k.organization_id
     WHERE k.lookup_prefix = $1`,
    [lookupPrefix],
  );
  const r = rows[0] as Record<string, unknown> | undefined;
  if (!r) return undefined;
  return { ...toKey(r), ownerActive: r.owner_active as boolean, ownerEmail: r.owner_email as string, ownerTeam: r.owner_team as string | null, organizationTier: r.organization_tier as Tier };
}

export async function findKey(db: Executor, id: string): Promise<ApiKey | undefined> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM api_keys k WHERE k.id = $1`, [id]);
  return rows[0] ? toKey(rows[0] as Record<string, unknown>) : undefined;
}

/** Keys of an organization (optionally of one owner), by creation, after a cursor. */
export async function listKeys(db: Executor, q: { organizationId: string; ownerId?: string; limit: number; after?: { t: string; id: string } }): Promise<ApiKey[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM api_keys k
     WHERE k.organization_id = $1 AND ($2::uuid IS NULL OR k.created_by = $2::uuid)
       AND ($3::timestamptz IS NULL OR (k.created_at, k.id) > ($3::timestamptz, $4::uuid))
     ORDER BY k.created_at, k.id LIMIT $5`,
    [q.organizationId, q.ownerId ?? null, q.after?.t ?? null, q.after?.id ?? null, q.limit],
  );
  return rows.map((r) => toKey(r as Record<string, unknown>));
}

/** Revokes at `at` (now, or the end of a rotation's grace period) unless already revoked earlier. */
export async function revokeKey(db: Executor, id: string, at: Date): Promise<void> {
  await db.query('UPDATE api_keys SET revoked_at = LEAST(COALESCE(revoked_at, $2), $2) WHERE id = $1', [id, at]);
}

/** Applies batched usage: one statement for all keys used since the last flush. */
export async function addUsage(db: Executor, usage: { id: string; count: number; lastUsedAt: Date }[]): Promise<void> {
  if (usage.length === 0) return;
  await db.query(
    `UPDATE api_keys k SET usage_count = k.usage_count + u.count, last_used_at = GREATEST(k.last_used_at, u.last_used_at)
     FROM (SELECT unnest($1::uuid[]) AS id, unnest($2::bigint[]) AS count, unnest($3::timestamptz[]) AS last_used_at) u
     WHERE k.id = u.id`,
    [usage.map((u) => u.id), usage.map((u) => u.count), usage.map((u) => u.lastUsedAt)],
  );
}
