import type { App } from '../../http/server.js';
import { principalOf } from '../identity/index.js';
import { toBase64 } from './encoding.js';
import type { EventProof } from './proof-service.js';
import type { AuditReader } from './reader.js';
import {
  CheckpointList, CheckpointQuery, EventWithProof, EvidenceView, IdParams, PublicKeyView, SecurityPage, SecurityQuery, TrailPage, TrailQuery,
  VerifyQuery, VerifyView,
} from './schemas.js';
import type { TrailEvent } from './trail-repo.js';

// Auditors must keep working while the kill switch stops queries (DESIGN.md §7).
const read = { auth: 'either', permission: 'audit.read', killSwitchExempt: true } as const;
const security = { auth: 'either', permission: 'audit.security', killSwitchExempt: true } as const;
const tags = ['audit'];

const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** `start_date`: a day starts at 00:00 UTC. `end_date`: a day includes all of it; an instant is exclusive. */
const startOf = (text?: string) => (text === undefined ? undefined : new Date(DAY.test(text) ? `${text}T00:00:00Z` : text));
const endOf = (text?: string) => (text === undefined ? undefined : DAY.test(text) ? new Date(Date.parse(`${text}T00:00:00Z`) + 86_400_000) : new Date(text));
const defined = <T extends Record<string, unknown>>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

const eventView = (e: TrailEvent) => ({
  event_id: e.id, event_type: e.eventType, outcome: e.outcome, user_id: e.userId, user_email: e.userEmail, api_key_id: e.apiKeyId,
  resource_type: e.resourceType, resource_id: e.resourceId, details: e.details, ip_address: e.ipAddress, user_agent: e.userAgent,
  request_id: e.requestId, timestamp: e.createdAt, seq: e.seq,
});

const proofView = (p: EventProof | undefined) =>
  p === undefined ? null : {
    seq: p.seq, leaf: p.leaf, leaf_hash: p.leafHash, sealed_at: p.sealedAt,
    inclusion: p.inclusion ? { index: p.inclusion.index, tree_size: p.inclusion.treeSize, proof: p.inclusion.hashes, checkpoint: p.inclusion.checkpoint } : null,
  };

export function auditRoutes(app: App, reader: AuditReader, storeKind: 'local' | 's3', locate: (key: string) => string) {
  app.get('/v1/audit/trail', { config: read, schema: { tags, summary: 'The audit trail, scoped by role (own / team / all)', querystring: TrailQuery, response: { 200: TrailPage } } }, async (request) => {
    const q = request.query;
    const filter = defined({ from: startOf(q.start_date), to: endOf(q.end_date), userFilter: q.user_id, eventType: q.event_type, resourceType: q.resource_type, resourceId: q.resource_id, requestId: q.request_id });
    const { events, total } = await reader.trail(principalOf(request), filter, q.page, q.page_size);
    return { events: events.map(eventView), total, page: q.page, page_size: q.page_size };
  });

  app.get('/v1/audit/events/:event_id', { config: read, schema: { tags, summary: 'One audit event with its inclusion proof', params: IdParams('event_id'), response: { 200: EventWithProof } } }, async (request) => {
    const { event, proof } = await reader.event(principalOf(request), (request.params as { event_id: string }).event_id);
    return { event: eventView(event), audit: proofView(proof) };
  });

  app.get('/v1/audit/evidence/:evidence_id', { config: read, schema: { tags, summary: 'An evidence pack with its signature and inclusion proof', params: IdParams('evidence_id'), response: { 200: EvidenceView } } }, async (request) => {
    const e = await reader.evidence(principalOf(request), (request.params as { evidence_id: string }).evidence_id);
    const pack = e.pack;
    return {
      evidence_id: e.row.id, kind: e.row.kind, query_id: (pack.query_id as string | undefined) ?? null, approval_id: (pack.approval_id as string | undefined) ?? null,
      timestamp: pack.timestamp as string, user: pack.user, snapshot: pack.snapshot, validation: pack.validation,
      signature: `SHA256:${e.row.sha256}`, sha256: e.row.sha256, ed25519_signature: e.row.signature, key_id: e.row.keyId, verified: e.verified,
      canonical_json: e.row.canonicalJson,
      immutable_storage_url: e.row.stored ? (storeKind === 's3' ? locate(e.row.storageKey) : `local:${e.row.storageKey}`) : null,
      storage: { backend: storeKind, key: e.row.storageKey, stored: e.row.stored, matches: e.storeMatches },
      audit: { event_id: e.row.eventId, proof: proofView(e.proof) },
    };
  });

  app.get('/v1/audit/security-events', { config: security, schema: { tags, summary: 'Security events of your organization (seed 000 columns)', querystring: SecurityQuery, response: { 200: SecurityPage } } }, async (request) => {
    const q = request.query;
    const filter = defined({ from: startOf(q.start_date), to: endOf(q.end_date), userId: q.user_id, eventType: q.event_type, severity: q.severity, requestId: q.request_id });
    const { events, total } = await reader.securityEvents(principalOf(request), filter, q.page, q.page_size);
    const rows = events.map((s) => ({
      id: s.id, event_type: s.eventType, severity: s.severity, user_id: s.userId, ip_address: s.ipAddress, user_agent: s.userAgent, request_path: s.requestPath,
      request_method: s.requestMethod, detail: s.detail, request_id: s.requestId, timestamp: s.timestamp, created_at: s.createdAt, seq: s.seq,
    }));
    return { security_events: rows, total, page: q.page, page_size: q.page_size };
  });

  app.get('/v1/audit/checkpoints', { config: security, schema: { tags, summary: 'Signed checkpoints, newest first; from_size (+ to_size) adds a consistency proof', querystring: CheckpointQuery, response: { 200: CheckpointList } } }, async (request) => {
    const q = request.query;
    const list = await reader.checkpoints(q.limit + 1, q.cursor === undefined ? undefined : Number(q.cursor));
    const page = list.slice(0, q.limit);
    const last = page[page.length - 1];
    const consistency = q.from_size === undefined ? undefined : await reader.consistency(q.from_size, q.to_size);
    return {
      checkpoints: page.map((c) => ({ id: c.id, tree_size: c.size, root_hash: toBase64(c.rootHash), key_id: c.keyId, note: c.note, created_at: c.createdAt })),
      next_cursor: list.length > page.length && last ? String(last.id) : null,
      ...(consistency
        ? { consistency: { old_size: consistency.oldSize, new_size: consistency.newSize, proof: consistency.hashes, old_checkpoint: consistency.oldCheckpoint, new_checkpoint: consistency.newCheckpoint } }
        : {}),
    };
  });

  app.get('/v1/audit/verify', { config: security, schema: { tags, summary: 'Recompute the whole log and check every checkpoint', querystring: VerifyQuery, response: { 200: VerifyView } } }, async (request) => {
    const started = performance.now();
    const r = await reader.verify(request.query.trusted_checkpoint);
    return {
      ok: r.ok, tree_size: r.treeSize, first_seq: r.firstSeq, checkpoints_verified: r.checkpointsVerified, unsealed: r.unsealed,
      latest_checkpoint: r.latestCheckpoint ?? null, first_bad_seq: r.problem?.seq ?? null, problem: r.problem ?? null, problems: r.problems,
      duration_ms: Math.round(performance.now() - started),
    };
  });

  app.get('/v1/audit/public-key', { config: { auth: 'public', killSwitchExempt: true }, schema: { tags, summary: 'The key that signs checkpoints and evidence packs', response: { 200: PublicKeyView } } }, async () => {
    const k = reader.publicKey();
    return { algorithm: k.algorithm, key_id: k.keyId, public_key_pem: k.pem, public_key_base64: k.raw, origin: k.origin };
  });
}
