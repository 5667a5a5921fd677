import { type RequestContext, currentContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/index.js';
import { type AuditRows, eventRow, insertAuditRows, securityRow } from './batch-repo.js';
import type { EvidenceInput, EvidenceReceipt, PreparedEvidence } from './evidence-service.js';
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
   * `prepare` builds and signs a pack for `write` (a batch of acts).
   */
  evidence: {
    create(db: Executor, input: EvidenceInput): Promise<EvidenceReceipt>;
    prepare(input: EvidenceInput, context: RequestContext | undefined): PreparedEvidence;
  };
  /**
   * Group commit: the rows of many acts (each with its own request's context) in one statement,
   * inside the caller's transaction. Build them with `eventRow`, `securityRow` and `evidence.prepare`.
   */
  write(db: Executor, rows: AuditRows): Promise<void>;
}

export type { AuditRows } from './batch-repo.js';
export { eventRow, securityRow } from './batch-repo.js';

const missing = () => new Error('evidence packs need the audit module (createAuditModule)');
const NO_EVIDENCE: AuditService['evidence'] = {
  create: () => Promise.reject(missing()),
  prepare: () => {
    throw missing();
  },
};

export function createAuditService(evidence: AuditService['evidence'] = NO_EVIDENCE): AuditService {
  return {
    async record(db, event) {
      const row = eventRow(event, currentContext());
      await insertAuditRows(db, { events: [row] });
      return row.id;
    },
    async recordSecurityEvent(db, event) {
      const row = securityRow(event, currentContext());
      await insertAuditRows(db, { security: [row] });
      return row.id;
    },
    evidence: { create: (db, input) => evidence.create(db, input), prepare: (input, context) => evidence.prepare(input, context) },
    write: insertAuditRows,
  };
}
