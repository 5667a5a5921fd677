/**
 * What a leaf of the audit log is (docs/audit.md "Leaves"): the canonical JSON of one event row as
 * stored, plus its stream and sequence number. Every column is taken in its PostgreSQL text form
 * (jsonb as its text, timestamps as UTC ISO strings with microseconds), so the sealer and, years
 * later, the verifier rebuild the same bytes from the same row without any JavaScript type in
 * between that could round a number or drop a microsecond.
 *
 * The column lists are fixed per stream: a column added to an audit table later is outside the
 * leaf until a new leaf version lists it (a rebuilt old row must keep hashing the same).
 */
import { Buffer } from 'node:buffer';
import { createHmac, hkdfSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

import { hashLeaf } from './merkle.js';

export type Stream = 'audit' | 'security' | 'query';
export const STREAMS: readonly Stream[] = ['audit', 'security', 'query'];

const ts = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Leaf fields per stream: [name in the leaf, SQL expression over alias `e`]. */
const FIELDS: Record<Stream, { table: string; columns: [string, string][] }> = {
  audit: {
    table: 'audit_events',
    columns: [
      ['id', 'e.id::text'], ['organization_id', 'e.organization_id::text'], ['event_type', 'e.event_type'], ['outcome', 'e.outcome'],
      ['user_id', 'e.user_id::text'], ['api_key_id', 'e.api_key_id::text'], ['resource_type', 'e.resource_type'], ['resource_id', 'e.resource_id'],
      ['details', 'e.details::text'], ['ip_address', 'e.ip_address::text'], ['user_agent', 'e.user_agent'], ['request_id', 'e.request_id'],
      ['created_at', ts('e.created_at')],
    ],
  },
  security: {
    table: 'security_events',
    columns: [
      ['id', 'e.id::text'], ['organization_id', 'e.organization_id::text'], ['event_type', 'e.event_type'], ['severity', 'e.severity'],
      ['user_id', 'e.user_id::text'], ['ip_address', 'e.ip_address::text'], ['user_agent', 'e.user_agent'], ['request_path', 'e.request_path'],
      ['request_method', 'e.request_method'], ['detail', 'e.detail::text'], ['request_id', 'e.request_id'], ['timestamp', ts('e."timestamp"')],
      ['created_at', ts('e.created_at')],
    ],
  },
  query: {
    table: 'query_audit_log',
    columns: [
      ['id', 'e.id::text'], ['organization_id', 'e.organization_id::text'], ['user_id', 'e.user_id::text'],
      ['natural_language_query', 'e.natural_language_query'], ['generated_sql', 'e.generated_sql'], ['was_successful', 'e.was_successful::text'],
      ['error_message', 'e.error_message'], ['execution_time_ms', 'e.execution_time_ms::text'], ['request_id', 'e.request_id'],
      ['created_at', ts('e.created_at')],
    ],
  },
};

/**
 * A LATERAL subquery giving `doc` (a JSON object text of the leaf fields, or no row when the event
 * is gone) for the row aliased `x` with columns `stream` and `event_id`. Sealer and verifier both
 * use it, so they cannot disagree about a leaf.
 */
export function leafDocJoin(x: string): string {
  const parts = STREAMS.map((stream) => {
    const { table, columns } = FIELDS[stream];
    const pairs = columns.map(([name, expr]) => `'${name}', ${expr}`).join(', ');
    return `SELECT json_build_object(${pairs})::text AS doc FROM ${table} e WHERE ${x}.stream = '${stream}' AND e.id = ${x}.event_id`;
  });
  return `LEFT JOIN LATERAL (${parts.join(' UNION ALL ')}) d ON true`;
}

export function tableOf(stream: Stream): string {
  return FIELDS[stream].table;
}

// Leaf keys per stream in RFC 8785 order (UTF-16 code units; all ASCII here), computed once.
const SORTED_KEYS: Record<Stream, string[]> = Object.fromEntries(
  STREAMS.map((stream) => [stream, [...FIELDS[stream].columns.map(([name]) => name), 'stream', 'seq'].sort()]),
) as Record<Stream, string[]>;

/**
 * The leaf data: canonical JSON (RFC 8785) of the row's fields with its stream and sequence number.
 * A leaf is a flat object of strings, nulls and one safe integer, for which RFC 8785 is exactly
 * sorted keys and ECMAScript's JSON.stringify of each value, so it is written directly: the
 * sealer and the verifier do this once per event. The audit unit test checks it against
 * canonicalJson on random rows.
 */
export function leafJson(stream: Stream, seq: number, doc: string): string {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError(`audit leaf ${stream}: bad seq ${seq}`);
  const fields = JSON.parse(doc) as Record<string, string | null>;
  let out = '{';
  for (const key of SORTED_KEYS[stream]) {
    const value = key === 'seq' ? seq : key === 'stream' ? stream : fields[key];
    if (value !== null && typeof value !== 'string' && typeof value !== 'number') throw new TypeError(`audit leaf ${stream}/${seq}: ${key} is not text`);
    out += `${out.length > 1 ? ',' : ''}"${key}":${value === null ? 'null' : JSON.stringify(value)}`;
  }
  return `${out}}`;
}

export function leafHashOf(stream: Stream, seq: number, doc: string): Buffer {
  return hashLeaf(Buffer.from(leafJson(stream, seq, doc), 'utf8'));
}

/**
 * The key that seals leaf hashes (audit_log.seal). Derived from the signing key, so there is one
 * secret to keep; an attacker who rewrites rows and recomputes hashes cannot recompute seals.
 */
export function sealKeyOf(privateKey: KeyObject): Buffer {
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  return Buffer.from(hkdfSync('sha256', der, 'aureus-audit', 'leaf-seal-v1', 32));
}

export function sealOf(sealKey: Buffer, leafHash: Buffer): Buffer {
  return createHmac('sha256', sealKey).update(leafHash).digest();
}
