import type { Executor } from '../../platform/db/index.js';

/** Who a reader may see, already narrowed by role (own / team / all) to one organization. */
export interface Visibility {
  organizationId: string;
  /** Only this user's events (scope `own`, or a user filter). */
  userId?: string;
  /** Only events of users in this team (scope `team`). */
  team?: string;
}

export interface TrailFilter extends Visibility {
  from?: Date;
  to?: Date;
  userFilter?: string;
  eventType?: string;
  resourceType?: string;
  resourceId?: string;
  requestId?: string;
}

export interface TrailEvent {
  id: string;
  eventType: string;
  outcome: string;
  userId: string | null;
  userEmail: string | null;
  apiKeyId: string | null;
  resourceType: string | null;
  resourceId: string | null;
  details: Record<string, unknown>;
  ipAddress: string | null;
  userAgent: string | null;
  requestId: string | null;
  createdAt: string;
  seq: number | null;
}

function where(f: TrailFilter): { sql: string; params: unknown[] } {
  const params: unknown[] = [f.organizationId];
  const clauses = ['e.organization_id = $1'];
  const add = (clause: (n: string) => string, value: unknown) => {
    params.push(value);
    clauses.push(clause(`$${params.length}`));
  };
  if (f.userId !== undefined) add((p) => `e.user_id = ${p}::uuid`, f.userId);
  if (f.team !== undefined) add((p) => `e.user_id IN (SELECT id FROM users WHERE organization_id = $1 AND team = ${p})`, f.team);
  if (f.userFilter !== undefined) add((p) => `e.user_id = ${p}::uuid`, f.userFilter);
  if (f.from !== undefined) add((p) => `e.created_at >= ${p}`, f.from);
  if (f.to !== undefined) add((p) => `e.created_at < ${p}`, f.to);
  if (f.eventType !== undefined) add((p) => `e.event_type = ${p}`, f.eventType);
  if (f.resourceType !== undefined) add((p) => `e.resource_type = ${p}`, f.resourceType);
  if (f.resourceId !== undefined) add((p) => `e.resource_id = ${p}`, f.resourceId);
  if (f.requestId !== undefined) add((p) => `e.request_id = ${p}`, f.requestId);
  return { sql: clauses.join(' AND '), params };
}

const TRAIL_COLUMNS = `e.id::text AS id, e.event_type, e.outcome, e.user_id::text AS user_id, u.email AS user_email, e.api_key_id::text AS api_key_id,
  e.resource_type, e.resource_id, e.details, e.ip_address::text AS ip_address, e.user_agent, e.request_id,
  to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at, l.seq`;
const TRAIL_FROM = `audit_events e LEFT JOIN users u ON u.id = e.user_id LEFT JOIN audit_log l ON l.event_id = e.id AND l.stream = 'audit'`;

function toEvent(r: Record<string, unknown>): TrailEvent {
  return {
    id: r.id as string,
    eventType: r.event_type as string,
    outcome: r.outcome as string,
    userId: r.user_id as string | null,
    userEmail: r.user_email as string | null,
    apiKeyId: r.api_key_id as string | null,
    resourceType: r.resource_type as string | null,
    resourceId: r.resource_id as string | null,
    details: (typeof r.details === 'string' ? JSON.parse(r.details) : r.details) as Record<string, unknown>,
    ipAddress: r.ip_address as string | null,
    userAgent: r.user_agent as string | null,
    requestId: r.request_id as string | null,
    createdAt: r.created_at as string,
    seq: r.seq === null || r.seq === undefined ? null : Number(r.seq),
  };
}

/** One page of the trail, newest first, and how many events match in all. */
export async function trailPage(db: Executor, f: TrailFilter, limit: number, offset: number): Promise<{ events: TrailEvent[]; total: number }> {
  const { sql, params } = where(f);
  const [page, count] = await Promise.all([
    db.query<Record<string, unknown>>(
      `SELECT ${TRAIL_COLUMNS} FROM ${TRAIL_FROM} WHERE ${sql} ORDER BY e.created_at DESC, e.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, limit, offset],
    ),
    db.query<{ n: number | string }>(`SELECT count(*) AS n FROM audit_events e WHERE ${sql}`, params),
  ]);
  return { events: page.rows.map(toEvent), total: Number(count.rows[0]?.n ?? 0) };
}

export async function findTrailEvent(db: Executor, id: string): Promise<(TrailEvent & { organizationId: string | null; userTeam: string | null }) | undefined> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT ${TRAIL_COLUMNS}, e.organization_id::text AS organization_id, u.team AS user_team FROM ${TRAIL_FROM} WHERE e.id = $1`,
    [id],
  );
  const r = rows[0];
  return r ? { ...toEvent(r), organizationId: r.organization_id as string | null, userTeam: r.user_team as string | null } : undefined;
}
