import type { Executor } from '../../platform/db/index.js';

export interface EvidenceRow {
  id: string;
  organizationId: string | null;
  kind: 'query' | 'approval';
  subjectId: string | null;
  userId: string | null;
  /** The user's team at read time, for team-scoped access. */
  userTeam: string | null;
  eventId: string;
  canonicalJson: string;
  sha256: string;
  signature: string;
  keyId: string;
  storageKey: string;
  createdAt: Date;
  /** False while the write-once copy is still waiting in the outbox. */
  stored: boolean;
}

export type NewEvidence = Omit<EvidenceRow, 'userTeam' | 'createdAt' | 'stored'>;

export async function findEvidence(db: Executor, id: string): Promise<EvidenceRow | undefined> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT e.*, u.team AS user_team, o.evidence_id IS NULL AS stored
     FROM audit_evidence e LEFT JOIN users u ON u.id = e.user_id LEFT JOIN audit_evidence_outbox o ON o.evidence_id = e.id
     WHERE e.id = $1`,
    [id],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    id: r.id as string,
    organizationId: r.organization_id as string | null,
    kind: r.kind as EvidenceRow['kind'],
    subjectId: r.subject_id as string | null,
    userId: r.user_id as string | null,
    userTeam: r.user_team as string | null,
    eventId: r.event_id as string,
    canonicalJson: r.canonical_json as string,
    sha256: r.sha256 as string,
    signature: r.signature as string,
    keyId: r.key_id as string,
    storageKey: r.storage_key as string,
    createdAt: new Date(r.created_at as string),
    stored: r.stored as boolean,
  };
}

export interface OutboxItem {
  evidenceId: string;
  storageKey: string;
  canonicalJson: string;
}

export async function outboxBatch(db: Executor, limit: number): Promise<OutboxItem[]> {
  const { rows } = await db.query<{ evidence_id: string; storage_key: string; canonical_json: string }>(
    `SELECT o.evidence_id, e.storage_key, e.canonical_json FROM audit_evidence_outbox o JOIN audit_evidence e ON e.id = o.evidence_id
     ORDER BY o.attempts, o.created_at LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({ evidenceId: r.evidence_id, storageKey: r.storage_key, canonicalJson: r.canonical_json }));
}

export async function markStored(db: Executor, evidenceIds: string[]): Promise<void> {
  if (evidenceIds.length > 0) await db.query('DELETE FROM audit_evidence_outbox WHERE evidence_id = ANY($1::uuid[])', [evidenceIds]);
}

export async function markAttempt(db: Executor, evidenceId: string): Promise<void> {
  await db.query('UPDATE audit_evidence_outbox SET attempts = attempts + 1 WHERE evidence_id = $1', [evidenceId]);
}

export async function outboxCount(db: Executor): Promise<number> {
  const { rows } = await db.query<{ n: number | string }>('SELECT count(*) AS n FROM audit_evidence_outbox');
  return Number(rows[0]?.n ?? 0);
}
