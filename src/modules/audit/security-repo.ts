import type { Executor } from '../../platform/db/index.js';

export interface SecurityFilter {
  organizationId: string;
  eventType?: string;
  severity?: string;
  userId?: string;
  requestId?: string;
  from?: Date;
  to?: Date;
}

/** A row of seed 000's `security_events`, with its place in the sealed log. */
export interface SecurityEventRow {
  id: string;
  eventType: string;
  severity: string;
  userId: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  requestPath: string | null;
  requestMethod: string | null;
  detail: Record<string, unknown>;
  requestId: string | null;
  timestamp: string;
  createdAt: string;
  seq: number | null;
}

const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export async function securityPage(db: Executor, f: SecurityFilter, limit: number, offset: number): Promise<{ events: SecurityEventRow[]; total: number }> {
  const params: unknown[] = [f.organizationId];
  const clauses = ['s.organization_id = $1'];
  const add = (clause: (p: string) => string, value: unknown) => {
    if (value === undefined) return;
    params.push(value);
    clauses.push(clause(`$${params.length}`));
  };
  add((p) => `s.event_type = ${p}`, f.eventType);
  add((p) => `s.severity = ${p}`, f.severity);
  add((p) => `s.user_id = ${p}::uuid`, f.userId);
  add((p) => `s.request_id = ${p}`, f.requestId);
  add((p) => `s."timestamp" >= ${p}`, f.from);
  add((p) => `s."timestamp" < ${p}`, f.to);
  const sql = clauses.join(' AND ');
  const [page, count] = await Promise.all([
    db.query<Record<string, unknown>>(
      `SELECT s.id::text AS id, s.event_type, s.severity, s.user_id::text AS user_id, s.ip_address::text AS ip_address, s.user_agent,
         s.request_path, s.request_method, s.detail, s.request_id, ${iso('s."timestamp"')} AS ts, ${iso('s.created_at')} AS created_at, l.seq
       FROM security_events s LEFT JOIN audit_log l ON l.event_id = s.id AND l.stream = 'security'
       WHERE ${sql} ORDER BY s."timestamp" DESC, s.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, limit, offset],
    ),
    db.query<{ n: number | string }>(`SELECT count(*) AS n FROM security_events s WHERE ${sql}`, params),
  ]);
  const events = page.rows.map((r) => ({
    id: r.id as string,
    eventType: r.event_type as string,
    severity: r.severity as string,
    userId: r.user_id as string | null,
    ipAddress: r.ip_address as string | null,
    userAgent: r.user_agent as string | null,
    requestPath: r.request_path as string | null,
    requestMethod: r.request_method as string | null,
    detail: (typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail) as Record<string, unknown>,
    requestId: r.request_id as string | null,
    timestamp: r.ts as string,
    createdAt: r.created_at as string,
    seq: r.seq === null || r.seq === undefined ? null : Number(r.seq),
  }));
  return { events, total: Number(count.rows[0]?.n ?? 0) };
}
