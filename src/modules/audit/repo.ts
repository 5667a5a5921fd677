import type { RequestContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/index.js';
import type { AuditEvent, SecurityEvent } from './schemas.js';

export async function insertAuditEvent(db: Executor, event: AuditEvent, context: RequestContext | undefined): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO audit_events (event_type, outcome, organization_id, user_id, api_key_id, resource_type, resource_id,
       details, ip_address, user_agent, request_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
    [
      event.type,
      event.outcome ?? 'success',
      event.organizationId ?? null,
      event.userId ?? null,
      event.apiKeyId ?? null,
      event.resourceType ?? null,
      event.resourceId ?? null,
      JSON.stringify(event.details ?? {}),
      context?.ip ?? null,
      context?.userAgent ?? null,
      context?.requestId ?? null,
    ],
  );
  return (rows[0] as { id: string }).id;
}

export async function insertSecurityEvent(db: Executor, event: SecurityEvent, context: RequestContext | undefined): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO security_events (event_type, severity, organization_id, user_id, ip_address, user_agent,
       request_path, request_method, detail, request_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
    [
      event.type,
      event.severity,
      event.organizationId ?? null,
      event.userId ?? null,
      context?.ip ?? null,
      context?.userAgent ?? null,
      context?.path ?? null,
      context?.method ?? null,
      JSON.stringify(event.detail ?? {}),
      context?.requestId ?? null,
    ],
  );
  return (rows[0] as { id: string }).id;
}
