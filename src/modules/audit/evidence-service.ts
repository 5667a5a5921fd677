/**
 * Evidence packs (seed 002 §4.2): one per executed or refused query and per approval decision.
 * `create` runs inside the caller's transaction: the pack's canonical bytes, digest and signature
 * commit with the act and with its audit event, whose details carry the pack's id and SHA-256 — so
 * the sealed log itself vouches for the pack. The write-once copy (folder or bucket) is written
 * from an outbox after commit: no network call inside the transaction, and nothing lost if the
 * process dies in between.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { type RequestContext, currentContext } from '../../platform/context.js';
import type { Db, Executor } from '../../platform/db/index.js';
import { canonicalJson } from './canonical.js';
import { signEvidence } from './evidence.js';
import { type EventRow, insertAuditRows } from './batch-repo.js';
import { type NewEvidence, markAttempt, markStored, outboxBatch } from './evidence-repo.js';
import type { AuditKeys } from './keyring.js';
import type { AuditEvent } from './schemas.js';
import { EvidenceConflictError, type EvidenceStore } from './store-local.js';

export interface EvidenceInput {
  kind: 'query' | 'approval';
  /** The query's or the approval request's id. */
  subjectId: string;
  /** Who acted: the user (and key), their role and organization at the time. */
  actor: { userId: string | null; email: string | null; role: string | null; organizationId: string | null; apiKeyId?: string | null };
  /**
   * What happened, never the result rows: question, generated and sanitized SQL, guard verdict,
   * policies applied, masking plan, datasets, row count, result hash — or the approval decision.
   */
  snapshot: Record<string, unknown>;
  /** Checks and their outcomes (prompt injection, SQL safety, policy compliance). */
  validation?: Record<string, unknown>;
  /** The act's audit event; recorded here so the event and its pack cannot come apart. */
  event: AuditEvent;
}

export interface EvidenceReceipt {
  evidenceId: string;
  eventId: string;
  sha256: string;
  signature: string;
  keyId: string;
}

export const PACK_VERSION = 'aureus-evidence-pack-v1';
const PARALLEL_PUTS = 8;

/** A pack ready to be written: its rows (the pack and the act's event) and what the caller gets back. */
export interface PreparedEvidence {
  event: EventRow;
  evidence: NewEvidence;
  receipt: EvidenceReceipt;
}

export function createEvidenceService(deps: { db: Db; keys: AuditKeys; store: EvidenceStore; logger: Logger }) {
  /**
   * Builds, canonicalises and signs a pack, and the act's audit event naming it: CPU only, so that
   * a batch of acts can prepare their packs and write them all in one statement.
   */
  function prepare(input: EvidenceInput, context: RequestContext | undefined): PreparedEvidence {
    const evidenceId = randomUUID();
    const eventId = randomUUID();
    const timestamp = new Date().toISOString();
    const pack = {
      version: PACK_VERSION,
      evidence_id: evidenceId,
      kind: input.kind,
      [input.kind === 'query' ? 'query_id' : 'approval_id']: input.subjectId,
      organization_id: input.actor.organizationId,
      user: { id: input.actor.userId, email: input.actor.email, role: input.actor.role },
      api_key_id: input.actor.apiKeyId ?? null,
      timestamp,
      request_id: context?.requestId ?? null,
      snapshot: input.snapshot,
      validation: input.validation ?? {},
    };
    const text = canonicalJson(pack);
    if (!text.ok) throw new Error(`evidence pack is not JSON data: ${text.reason}`);
    const signature = signEvidence(deps.keys.signing, Buffer.from(text.value, 'utf8'));
    const event = { ...input.event, details: { ...input.event.details, evidence_id: evidenceId, evidence_sha256: signature.sha256 } };
    return {
      event: { id: eventId, event, context },
      evidence: {
        id: evidenceId,
        organizationId: input.actor.organizationId,
        kind: input.kind,
        subjectId: input.subjectId,
        userId: input.actor.userId,
        eventId,
        canonicalJson: text.value,
        sha256: signature.sha256,
        signature: signature.signature,
        keyId: signature.keyId,
        storageKey: `evidence-packs/${timestamp.slice(0, 10).replaceAll('-', '/')}/${evidenceId}.json`,
      },
      receipt: { evidenceId, eventId, ...signature },
    };
  }

  return {
    prepare,

    async create(tx: Executor, input: EvidenceInput): Promise<EvidenceReceipt> {
      const prepared = prepare(input, currentContext());
      await insertAuditRows(tx, { events: [prepared.event], evidence: [prepared.evidence] });
      return prepared.receipt;
    },

    /**
     * Copies committed packs to the write-once store; safe to run anywhere, any number of times.
     * A few puts run at once (each is a file written and flushed, or a network call), and the
     * copied packs leave the outbox in one statement.
     */
    async drainOutbox(limit = 50): Promise<number> {
      const items = await outboxBatch(deps.db, limit);
      const stored: string[] = [];
      const copy = async (item: (typeof items)[number]) => {
        try {
          await deps.store.put(item.storageKey, Buffer.from(item.canonicalJson, 'utf8'));
          stored.push(item.evidenceId);
        } catch (err) {
          await markAttempt(deps.db, item.evidenceId).catch(() => undefined);
          const event = err instanceof EvidenceConflictError ? 'audit.evidence_conflict' : 'audit.evidence_store_failed';
          deps.logger.error({ evidence_id: item.evidenceId, err_message: (err as Error).message }, event);
        }
      };
      let next = 0;
      await Promise.all(Array.from({ length: Math.min(PARALLEL_PUTS, items.length) }, async () => {
        while (next < items.length) await copy(items[next++] as (typeof items)[number]);
      }));
      await markStored(deps.db, stored);
      return stored.length;
    },
  };
}

export type EvidenceService = ReturnType<typeof createEvidenceService>;
