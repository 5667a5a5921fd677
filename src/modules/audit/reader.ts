/**
 * Reading the audit log: trail, security events, single events and evidence packs with their
 * proofs, checkpoints, verification. Authorization lives here (STYLE.md): the reader's role gives
 * a scope for `audit.read` — own, team or all of their organization — and anything outside it,
 * another organization's above all, is RESOURCE_NOT_FOUND.
 */
import type { Db } from '../../platform/db/index.js';
import { AppError } from '../../platform/errors.js';
import { type Principal, scopeOf } from '../identity/index.js';
import { latestTruncation, listCheckpoints } from './checkpoint-repo.js';
import { verifyEvidence } from './evidence.js';
import { findEvidence } from './evidence-repo.js';
import { exportPublicKey } from './keys.js';
import type { AuditKeys } from './keyring.js';
import { consistencyBetween, eventProof } from './proof-service.js';
import { type SecurityFilter, securityPage } from './security-repo.js';
import type { EvidenceStore } from './store-local.js';
import { type TrailFilter, type Visibility, findTrailEvent, trailPage } from './trail-repo.js';
import { type VerifyReport, verifyLog } from './verification.js';

interface Owned {
  organizationId: string | null;
  userId: string | null;
  userTeam: string | null;
}

export function visibilityOf(p: Principal): Visibility {
  const scope = scopeOf(p.role, 'audit.read');
  if (scope === 'all') return { organizationId: p.organizationId };
  if (scope === 'team' && p.team) return { organizationId: p.organizationId, team: p.team };
  return { organizationId: p.organizationId, userId: p.userId };
}

function visible(p: Principal, o: Owned): boolean {
  if (o.organizationId !== p.organizationId) return false;
  const v = visibilityOf(p);
  if (v.userId !== undefined) return o.userId === p.userId;
  if (v.team !== undefined) return o.userId === p.userId || (o.userTeam !== null && o.userTeam === v.team);
  return true;
}

export function createAuditReader(deps: { db: Db; keys: AuditKeys; store: EvidenceStore; onReport?: (report: VerifyReport) => void }) {
  const { db, keys } = deps;
  let running: Promise<VerifyReport> | undefined;

  async function verifyOnce(trusted?: string): Promise<VerifyReport> {
    const before = (await latestTruncation(db))?.id;
    const options = { publicKey: keys.signing.publicKey, origin: keys.origin, sealKey: keys.sealKey, ...(trusted ? { trusted } : {}) };
    const report = await verifyLog(db, options);
    // Retention running meanwhile can make rows vanish under the walk: check again once.
    const final = !report.ok && (await latestTruncation(db))?.id !== before ? await verifyLog(db, options) : report;
    deps.onReport?.(final);
    return final;
  }

  return {
    visibilityOf,

    async trail(p: Principal, filter: Omit<TrailFilter, keyof Visibility>, page: number, pageSize: number) {
      return trailPage(db, { ...filter, ...visibilityOf(p) }, pageSize, (page - 1) * pageSize);
    },

    async event(p: Principal, id: string) {
      const event = await findTrailEvent(db, id);
      if (!event || !visible(p, event)) throw new AppError('RESOURCE_NOT_FOUND', 'No such audit event.');
      return { event, proof: await eventProof(db, 'audit', id) };
    },

    async securityEvents(p: Principal, filter: Omit<SecurityFilter, 'organizationId'>, page: number, pageSize: number) {
      return securityPage(db, { ...filter, organizationId: p.organizationId }, pageSize, (page - 1) * pageSize);
    },

    async evidence(p: Principal, id: string) {
      const row = await findEvidence(db, id);
      if (!row || !visible(p, row)) throw new AppError('RESOURCE_NOT_FOUND', 'No such evidence pack.');
      const bytes = Buffer.from(row.canonicalJson, 'utf8');
      const verdict = verifyEvidence(keys.signing.publicKey, bytes, { sha256: row.sha256, signature: row.signature, keyId: row.keyId });
      let matches: boolean | null = null;
      if (row.stored) matches = await deps.store.get(row.storageKey).then((copy) => copy?.equals(bytes) ?? false, () => null);
      return { row, pack: JSON.parse(row.canonicalJson) as Record<string, unknown>, verified: verdict.ok, storeMatches: matches, proof: await eventProof(db, 'audit', row.eventId) };
    },

    checkpoints: (limit: number, beforeId?: number) => listCheckpoints(db, limit, beforeId),
    consistency: (fromSize: number, toSize?: number) => consistencyBetween(db, fromSize, toSize),

    publicKey() {
      const exported = exportPublicKey(keys.signing.publicKey);
      return { algorithm: 'Ed25519' as const, keyId: exported.keyId, pem: exported.pem, raw: exported.raw, origin: keys.origin };
    },

    /** Full verification; concurrent callers without a trusted checkpoint share one run. */
    verify(trusted?: string): Promise<VerifyReport> {
      if (trusted) return verifyOnce(trusted);
      running ??= verifyOnce().finally(() => (running = undefined));
      return running;
    },
  };
}

export type AuditReader = ReturnType<typeof createAuditReader>;
