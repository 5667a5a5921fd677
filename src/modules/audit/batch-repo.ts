import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/index.js';
import type { NewEvidence } from './evidence-repo.js';
import type { AuditEvent, SecurityEvent } from './schemas.js';

/** An audit event with the id it will have and the request it belongs to. */
export interface EventRow {
  id: string;
  event: AuditEvent;
  context: RequestContext | undefined;
}

export interface SecurityRow {
  id: string;
  event: SecurityEvent;
  context: RequestContext | undefined;
}

/** Rows of the audit tables written together: one statement, one commit with the caller's act. */
export interface AuditRows {
  events?: EventRow[];
  security?: SecurityRow[];
  evidence?: NewEvidence[];
}

/** An audit event row for `insertAuditRows`, attributed to `context`'s request. */
export const eventRow = (event: AuditEvent, context: RequestContext | undefined): EventRow => ({ id: randomUUID(), event, context });
export const securityRow = (event: SecurityEvent, context: RequestContext | undefined): SecurityRow => ({ id: randomUUID(), event, context });

const EVENT_COLUMNS = 'id uuid, event_type text, outcome text, organization_id uuid, user_id uuid, api_key_id uuid, resource_type text, resource_id text, details jsonb, ip_address inet, user_agent text, request_id text';
const SECURITY_COLUMNS = 'id uuid, event_type text, severity text, organization_id uuid, user_id uuid, ip_address inet, user_agent text, request_path text, request_method text, detail jsonb, request_id text';
const EVIDENCE_COLUMNS = 'id uuid, organization_id uuid, kind text, subject_id text, user_id uuid, event_id uuid, canonical_json text, sha256 text, signature text, key_id text, storage_key text';

const names = (columns: string) => columns.split(', ').map((c) => c.split(' ')[0]).join(', ');
const [EVENT_NAMES, SECURITY_NAMES, EVIDENCE_NAMES] = [EVENT_COLUMNS, SECURITY_COLUMNS, EVIDENCE_COLUMNS].map(names);
const INSERT_EVENTS = (p: string) => `INSERT INTO audit_events (${EVENT_NAMES}) SELECT ${EVENT_NAMES} FROM json_to_recordset(${p}) AS r(${EVENT_COLUMNS})`;
const INSERT_SECURITY = (p: string) => `INSERT INTO security_events (${SECURITY_NAMES}) SELECT ${SECURITY_NAMES} FROM json_to_recordset(${p}) AS r(${SECURITY_COLUMNS})`;
const INSERT_EVIDENCE = (p: string) => `INSERT INTO audit_evidence (${EVIDENCE_NAMES}) SELECT ${EVIDENCE_NAMES} FROM json_to_recordset(${p}) AS r(${EVIDENCE_COLUMNS}) RETURNING id`;

const eventJson = ({ id, event, context }: EventRow) => ({
  id, event_type: event.type, outcome: event.outcome ?? 'success', organization_id: event.organizationId ?? null, user_id: event.userId ?? null,
  api_key_id: event.apiKeyId ?? null, resource_type: event.resourceType ?? null, resource_id: event.resourceId ?? null, details: event.details ?? {},
  ip_address: context?.ip ?? null, user_agent: context?.userAgent ?? null, request_id: context?.requestId ?? null,
});

const securityJson = ({ id, event, context }: SecurityRow) => ({
  id, event_type: event.type, severity: event.severity, organization_id: event.organizationId ?? null, user_id: event.userId ?? null,
  ip_address: context?.ip ?? null, user_agent: context?.userAgent ?? null, request_path: context?.path ?? null, request_method: context?.method ?? null,
  detail: event.detail ?? {}, request_id: context?.requestId ?? null,
});

const evidenceJson = (e: NewEvidence) => ({
  id: e.id, organization_id: e.organizationId, kind: e.kind, subject_id: e.subjectId, user_id: e.userId, event_id: e.eventId,
  canonical_json: e.canonicalJson, sha256: e.sha256, signature: e.signature, key_id: e.keyId, storage_key: e.storageKey,
});

/**
 * Every row in one statement: data-modifying CTEs for each table that has rows, so each table's
 * sealing trigger fires once for the batch instead of once per event, and the whole write is one
 * round trip. Ids are chosen by the caller (evidence rows name their event before it exists).
 * A single event is the same statement with one row.
 */
export async function insertAuditRows(db: Executor, rows: AuditRows): Promise<void> {
  const parts: string[] = [];
  const params: string[] = [];
  const add = (sql: (p: string) => string, json: unknown[]) => {
    if (json.length === 0) return;
    params.push(JSON.stringify(json));
    parts.push(sql(`$${params.length}::json`));
  };
  const evidenceRows = rows.evidence ?? [];
  add(INSERT_EVENTS, (rows.events ?? []).map(eventJson));
  add(INSERT_SECURITY, (rows.security ?? []).map(securityJson));
  add(INSERT_EVIDENCE, evidenceRows.map(evidenceJson));
  if (parts.length === 0) return;
  const evidence = evidenceRows.length > 0 ? parts.pop() : undefined;
  // The outbox row references its pack: it is the main statement, reading the pack CTE's ids.
  const main = evidence ? 'INSERT INTO audit_evidence_outbox (evidence_id) SELECT id FROM pack' : (parts.pop() as string);
  const ctes = [...parts.map((sql, i) => `w${i} AS (${sql})`), ...(evidence ? [`pack AS (${evidence})`] : [])];
  await db.query(ctes.length > 0 ? `WITH ${ctes.join(', ')} ${main}` : main, params);
}
