import { randomUUID } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function newId(): string {
  return randomUUID();
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * A client's X-Request-ID is reused only when it is a UUID or a short safe token (DESIGN.md §3);
 * anything else (newlines, long values, odd bytes) is replaced, never echoed.
 */
export function acceptRequestId(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  if (value !== undefined && (UUID.test(value) || SAFE_REQUEST_ID.test(value))) return value;
  return randomUUID();
}
