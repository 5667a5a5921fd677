import type { Executor } from '../../platform/db/index.js';

export interface RefreshRow {
  id: string;
  familyId: string;
  userId: string;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
}

export async function insertRefreshToken(db: Executor, t: { familyId: string; userId: string; tokenHash: string; expiresAt: Date }): Promise<void> {
  await db.query('INSERT INTO refresh_tokens (family_id, user_id, token_hash, expires_at) VALUES ($1, $2, $3, $4)', [
    t.familyId,
    t.userId,
    t.tokenHash,
    t.expiresAt,
  ]);
}

/** Locks the token's row so two refreshes with one token are decided one after the other. */
export async function lockRefreshToken(db: Executor, tokenHash: string): Promise<RefreshRow | undefined> {
  const { rows } = await db.query<{ id: string; family_id: string; user_id: string; expires_at: Date; used_at: Date | null; revoked_at: Date | null }>(
    'SELECT id, family_id, user_id, expires_at, used_at, revoked_at FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE',
    [tokenHash],
  );
  const r = rows[0];
  return r && { id: r.id, familyId: r.family_id, userId: r.user_id, expiresAt: r.expires_at, usedAt: r.used_at, revokedAt: r.revoked_at };
}

export async function markRefreshUsed(db: Executor, id: string): Promise<void> {
  await db.query('UPDATE refresh_tokens SET used_at = now() WHERE id = $1', [id]);
}

export async function revokeFamily(db: Executor, familyId: string): Promise<number> {
  const { rowCount } = await db.query('UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL', [familyId]);
  return rowCount;
}

export async function revokeUserFamilies(db: Executor, userId: string): Promise<number> {
  const { rowCount } = await db.query('UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [userId]);
  return rowCount;
}

export async function insertRevokedToken(db: Executor, jti: string, expiresAt: Date): Promise<void> {
  await db.query('INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING', [jti, expiresAt]);
}

export async function activeRevokedTokens(db: Executor): Promise<{ jti: string; expiresAt: Date }[]> {
  const { rows } = await db.query<{ jti: string; expires_at: Date }>('SELECT jti, expires_at FROM revoked_tokens WHERE expires_at > now()');
  return rows.map((r) => ({ jti: r.jti, expiresAt: r.expires_at }));
}
