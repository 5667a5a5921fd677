import type { Executor } from '../../platform/db/index.js';
import type { Role, Tier } from './rbac.js';

export interface User {
  id: string;
  organizationId: string;
  email: string;
  fullName: string;
  role: Role;
  team: string | null;
  isActive: boolean;
  passwordHash: string | null;
  tier: Tier;
  tokensValidAfter: Date;
  createdAt: Date;
  lastLoginAt: Date | null;
}

interface UserRow {
  id: string;
  organization_id: string;
  email: string;
  full_name: string;
  role: Role;
  team: string | null;
  is_active: boolean;
  password_hash: string | null;
  tier: Tier;
  tokens_valid_after: Date;
  created_at: Date;
  last_login_at: Date | null;
}

const USER_COLUMNS = `u.id, u.organization_id, u.email, u.full_name, u.role, u.team, u.is_active, u.password_hash,
  o.tier, u.tokens_valid_after, u.created_at, u.last_login_at`;

function toUser(r: UserRow): User {
  return {
    id: r.id,
    organizationId: r.organization_id,
    email: r.email,
    fullName: r.full_name,
    role: r.role,
    team: r.team,
    isActive: r.is_active,
    passwordHash: r.password_hash,
    tier: r.tier,
    tokensValidAfter: r.tokens_valid_after,
    createdAt: r.created_at,
    lastLoginAt: r.last_login_at,
  };
}

export async function countUsers(db: Executor): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM users');
  return rows[0]?.n ?? 0;
}

export async function insertOrganization(db: Executor, name: string, slug: string, tier: Tier): Promise<string> {
  const { rows } = await db.query<{ id: string }>('INSERT INTO organizations (name, slug, tier) VALUES ($1, $2, $3) RETURNING id', [name, slug, tier]);
  return (rows[0] as { id: string }).id;
}

export async function findOrganizationBySlug(db: Executor, slug: string): Promise<{ id: string; tier: Tier } | undefined> {
  const { rows } = await db.query<{ id: string; tier: Tier }>('SELECT id, tier FROM organizations WHERE slug = $1', [slug]);
  return rows[0];
}

export interface NewUser {
  organizationId: string;
  email: string;
  fullName: string;
  role: Role;
  team: string | null;
  passwordHash: string | null;
}

export async function insertUser(db: Executor, u: NewUser): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO users (organization_id, email, full_name, role, team, password_hash) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [u.organizationId, u.email, u.fullName, u.role, u.team, u.passwordHash],
  );
  return (rows[0] as { id: string }).id;
}

export async function findUserByEmail(db: Executor, email: string): Promise<User | undefined> {
  const { rows } = await db.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM users u JOIN organizations o ON o.id = u.organization_id WHERE lower(u.email) = lower($1)`,
    [email],
  );
  return rows[0] && toUser(rows[0]);
}

export async function findUserById(db: Executor, id: string): Promise<User | undefined> {
  const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users u JOIN organizations o ON o.id = u.organization_id WHERE u.id = $1`, [id]);
  return rows[0] && toUser(rows[0]);
}

/** Users of one organization in creation order, after a (created_at, id) cursor. */
export async function listUsers(db: Executor, organizationId: string, limit: number, after?: { t: string; id: string }): Promise<User[]> {
  const { rows } = await db.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM users u JOIN organizations o ON o.id = u.organization_id
     WHERE u.organization_id = $1 AND ($2::timestamptz IS NULL OR (u.created_at, u.id) > ($2::timestamptz, $3::uuid))
     ORDER BY u.created_at, u.id LIMIT $4`,
    [organizationId, after?.t ?? null, after?.id ?? null, limit],
  );
  return rows.map(toUser);
}

export async function updateUser(db: Executor, id: string, changes: { role?: Role; team?: string | null; isActive?: boolean; fullName?: string }): Promise<void> {
  await db.query(
    `UPDATE users SET role = COALESCE($2, role), team = CASE WHEN $3::boolean THEN $4 ELSE team END,
       is_active = COALESCE($5, is_active), full_name = COALESCE($6, full_name), updated_at = now() WHERE id = $1`,
    [id, changes.role ?? null, changes.team !== undefined, changes.team ?? null, changes.isActive ?? null, changes.fullName ?? null],
  );
}

export async function setPassword(db: Executor, id: string, passwordHash: string): Promise<void> {
  await db.query('UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1', [id, passwordHash]);
}

export async function touchLogin(db: Executor, id: string): Promise<void> {
  await db.query('UPDATE users SET last_login_at = now() WHERE id = $1', [id]);
}

/** Every access token issued to the user before now stops working. */
export async function invalidateUserTokens(db: Executor, id: string): Promise<Date> {
  const { rows } = await db.query<{ t: Date }>('UPDATE users SET tokens_valid_after = now() WHERE id = $1 RETURNING tokens_valid_after AS t', [id]);
  return (rows[0] as { t: Date }).t;
}

export async function usersWithTokenCutoff(db: Executor): Promise<{ id: string; cutoff: Date }[]> {
  const { rows } = await db.query<{ id: string; cutoff: Date }>("SELECT id, tokens_valid_after AS cutoff FROM users WHERE tokens_valid_after > 'epoch'");
  return rows;
}
