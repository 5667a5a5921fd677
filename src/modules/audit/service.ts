import { currentContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/index.js';
import { insertAuditEvent, insertSecurityEvent } from './repo.js';
import type { AuditEvent, SecurityEvent } from './schemas.js';

/**
 * Writes audit and security events with the executor it is given, so the event commits or rolls
 * back with the act it records. Who/where (ip, user agent, request id) comes from the request
 * context, never from the caller.
 */
export interface AuditService {
  record(db: Executor, event: AuditEvent): Promise<string>;
  recordSecurityEvent(db: Executor, event: SecurityEvent): Promise<string>;
}

export function createAuditService(): AuditService {
  return {
    record: (db, event) => insertAuditEvent(db, event, currentContext()),
    recordSecurityEvent: (db, event) => insertSecurityEvent(db, event, currentContext()),
  };
}
