import { currentContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/index.js';
import type { EvidenceInput, EvidenceReceipt } from './evidence-service.js';
import { insertAuditEvent, insertSecurityEvent } from './repo.js';
import type { AuditEvent, SecurityEvent } from './schemas.js';

/**
 * Writes audit and security events with the executor it is given, so the event commits or rolls
 * back with the act it records; the row's trigger queues it for sealing in that same transaction.
 * Who/where (ip, user agent, request id) comes from the request context, never from the caller.
 */
export interface AuditService {
  record(db: Executor, event: AuditEvent): Promise<string>;
  recordSecurityEvent(db: Executor, event: SecurityEvent): Promise<string>;
  /**
   * Evidence packs for executed or refused queries and approval decisions: call `create` inside
   * the act's transaction; it records `input.event` too (docs/audit.md "Evidence packs").
   */
  evidence: { create(db: Executor, input: EvidenceInput): Promise<EvidenceReceipt> };
}

const NO_EVIDENCE = {
  create: () => Promise.reject(new Error('evidence packs need the audit module (createAuditModule)')),
};

export function createAuditService(evidence: AuditService['evidence'] = NO_EVIDENCE): AuditService {
  return {
    record: (db, event) => insertAuditEvent(db, event, currentContext()),
    recordSecurityEvent: (db, event) => insertSecurityEvent(db, event, currentContext()),
    evidence: { create: (db, input) => evidence.create(db, input) },
  };
}
