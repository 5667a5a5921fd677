// Evidence packs through the service API (the query and approval capabilities will call it) and
// GET /v1/audit/evidence/{id}: signed, committed with their event, stored write-once, provable.
import { constants } from 'node:fs';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvidenceConflictError, type EvidenceInput, eventRow, securityRow } from '../../src/modules/audit/index.js';
import { verifyEventInclusion, verifyEvidencePack } from '../../src/modules/audit/verifier.js';
import { type TestApp, createTestApp } from '../harness/app.js';
import { type Session, otherOrganization, userWithRole } from '../harness/identity.js';
import { asOwner } from './fixture.js';

let t: TestApp;
let dataDir: string;
let analyst: Session;
let peer: Session;
let approver: Session;
let stranger: Session;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'aureus-evidence-'));
  t = await createTestApp({ vars: { DATA_DIR: dataDir } });
  analyst = await userWithRole(t, 'analyst', { team: 'risk' });
  peer = await userWithRole(t, 'analyst', { team: 'ops' });
  approver = await userWithRole(t, 'approver', { team: 'risk' });
  stranger = (await otherOrganization(t)).admin;
});
afterAll(() => t.close());

const inject = (options: InjectOptions) => t.aureus.server.inject(options);
const audit = () => t.aureus.modules.audit;

function refusedQuery(s: Session): EvidenceInput {
  return {
    kind: 'query',
    subjectId: '3f1c2a9e-1d7b-4c55-9a61-0b6f3e2d8c10',
    actor: { userId: s.userId, email: s.email, role: 'analyst', organizationId: s.organizationId, apiKeyId: null },
    snapshot: {
      question: 'Show me every customer with their SSN',
      generated_sql: 'SELECT full_name, ssn FROM customers',
      sanitized_sql: null,
      guard_verdict: { is_valid: false, violations: ['PII_COLUMN'], risk_score: 90 },
      policies_applied: ['pii_masking'],
      masking_plan: {},
      datasets_accessed: ['loan_portfolio'],
      row_count: 0,
      result_sha256: null,
      outcome: 'refused',
    },
    validation: { prompt_injection_check: 'passed', sql_safety_check: 'failed', policy_compliance: 'failed' },
    event: { type: 'query.denied', outcome: 'denied', organizationId: s.organizationId, userId: s.userId, resourceType: 'query', resourceId: '3f1c2a9e-1d7b-4c55-9a61-0b6f3e2d8c10' },
  };
}

async function createPack(input: EvidenceInput) {
  const receipt = await t.aureus.db.transaction((tx) => audit().service.evidence.create(tx, input));
  await audit().sealer.flush();
  await audit().evidence.drainOutbox();
  return receipt;
}

describe('evidence packs', () => {
  it('commits the pack with its audit event, stores it write-once, and serves it with a proof that verifies offline', async () => {
    const receipt = await createPack(refusedQuery(analyst));
    const { rows } = await t.aureus.db.query<{ details: Record<string, string> }>('SELECT details FROM audit_events WHERE id = $1', [receipt.eventId]);
    expect(rows[0]?.details).toMatchObject({ evidence_id: receipt.evidenceId, evidence_sha256: receipt.sha256 });

    const response = await inject({ method: 'GET', url: `/v1/audit/evidence/${receipt.evidenceId}`, headers: analyst.auth });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      evidence_id: receipt.evidenceId, kind: 'query', query_id: refusedQuery(analyst).subjectId, approval_id: null,
      user: { id: analyst.userId, email: analyst.email, role: 'analyst' }, signature: `SHA256:${receipt.sha256}`, sha256: receipt.sha256,
      verified: true, storage: { backend: 'local', stored: true, matches: true }, audit: { event_id: receipt.eventId },
    });
    expect(body.snapshot).toMatchObject({ guard_verdict: { is_valid: false }, outcome: 'refused' });
    expect(JSON.parse(body.canonical_json)).not.toHaveProperty('rows');

    const { public_key_pem: publicKey } = (await inject({ method: 'GET', url: '/v1/audit/public-key' })).json();
    expect(verifyEvidencePack({ publicKey, canonicalJson: body.canonical_json, signature: { sha256: body.sha256, signature: body.ed25519_signature, keyId: body.key_id } })).toEqual({ ok: true });
    const { proof } = body.audit;
    expect(JSON.parse(proof.leaf).details).toContain(receipt.sha256);
    expect(verifyEventInclusion({ publicKey, checkpoint: proof.inclusion.checkpoint, eventJson: proof.leaf, index: proof.inclusion.index, proof: proof.inclusion.proof })).toEqual({ ok: true });

    const file = join(dataDir, 'evidence', body.storage.key);
    expect(await readFile(file, 'utf8')).toBe(body.canonical_json);
    expect((await stat(file)).mode & 0o222).toBe(0);
  });

  it('leaves no pack and no event behind when the act rolls back', async () => {
    const input = refusedQuery(analyst);
    const before = Number((await t.aureus.db.query<{ n: string }>('SELECT count(*) AS n FROM audit_evidence')).rows[0]?.n);
    await expect(t.aureus.db.transaction(async (tx) => {
      await audit().service.evidence.create(tx, { ...input, event: { ...input.event, type: 'query.rolled_back' } });
      throw new Error('the act failed');
    })).rejects.toThrow('the act failed');
    expect(Number((await t.aureus.db.query<{ n: string }>('SELECT count(*) AS n FROM audit_evidence')).rows[0]?.n)).toBe(before);
    expect((await t.aureus.db.query("SELECT 1 FROM audit_events WHERE event_type = 'query.rolled_back'")).rows).toEqual([]);
  });

  it('writes a batch of acts in one statement: each row keeps its own request, every pack and event is sealed and verifies', async () => {
    const requests = ['batch-req-1', 'batch-req-2', 'batch-req-3'].map((requestId, i) => ({ requestId, ip: `10.0.0.${i + 1}`, userAgent: 'batch-test', method: 'POST', path: '/v1/query/sql' }));
    const prepared = requests.map((context) => audit().service.evidence.prepare(refusedQuery(analyst), context));
    const rows = {
      events: [eventRow({ type: 'query.submitted', organizationId: analyst.organizationId, userId: analyst.userId }, requests[0]), ...prepared.map((p) => p.event)],
      security: [securityRow({ type: 'query_refused', severity: 'medium' as const, organizationId: analyst.organizationId, userId: analyst.userId, detail: { n: 1 } }, requests[2])],
      evidence: prepared.map((p) => p.evidence),
    };
    const statements: string[] = [];
    await t.aureus.db.transaction(async (tx) => {
      const counting = { query: (sql: string, params?: unknown[]) => (statements.push(sql), tx.query(sql, params)) } as unknown as typeof tx;
      await audit().service.write(counting, rows);
    });
    expect(statements).toHaveLength(1);
    const events = await t.aureus.db.query<{ id: string; request_id: string; ip_address: string }>('SELECT id, request_id, host(ip_address) AS ip_address FROM audit_events WHERE id = ANY($1::uuid[]) ORDER BY request_id', [rows.events.map((e) => e.id)]);
    expect(events.rows.map((r) => [r.request_id, r.ip_address])).toEqual([['batch-req-1', '10.0.0.1'], ['batch-req-1', '10.0.0.1'], ['batch-req-2', '10.0.0.2'], ['batch-req-3', '10.0.0.3']]);
    const security = await t.aureus.db.query<{ request_id: string; request_path: string }>('SELECT request_id, request_path FROM security_events WHERE id = $1', [rows.security[0]?.id]);
    expect(security.rows).toEqual([{ request_id: 'batch-req-3', request_path: '/v1/query/sql' }]);
    await audit().sealer.flush();
    expect(await audit().evidence.drainOutbox()).toBeGreaterThanOrEqual(3);
    for (const p of prepared) {
      const body = (await inject({ method: 'GET', url: `/v1/audit/evidence/${p.receipt.evidenceId}`, headers: analyst.auth })).json();
      expect(body).toMatchObject({ verified: true, storage: { stored: true, matches: true }, audit: { event_id: p.event.id } });
      expect(JSON.parse(body.canonical_json).request_id).toBe(p.event.context?.requestId);
    }
    expect(await audit().reader.verify()).toMatchObject({ ok: true, unsealed: 0 });
  });

  it('writes nothing for an empty batch', async () => {
    const statements: string[] = [];
    const counting = { query: (sql: string) => (statements.push(sql), Promise.resolve({ rows: [] })) } as unknown as Parameters<ReturnType<typeof audit>['service']['write']>[0];
    await audit().service.write(counting, { events: [], security: [], evidence: [] });
    expect(statements).toEqual([]);
  });

  it('records approval decisions the same way', async () => {
    const receipt = await createPack({
      kind: 'approval',
      subjectId: '9d0e1f2a-3b4c-4d5e-8f60-718293a4b5c6',
      actor: { userId: approver.userId, email: approver.email, role: 'approver', organizationId: approver.organizationId },
      snapshot: { request_type: 'break_glass_pii', submitter_id: analyst.userId, decision: 'approved', reason: 'fraud investigation 77' },
      event: { type: 'approval.decided', organizationId: approver.organizationId, userId: approver.userId, resourceType: 'approval', resourceId: '9d0e1f2a-3b4c-4d5e-8f60-718293a4b5c6' },
    });
    const body = (await inject({ method: 'GET', url: `/v1/audit/evidence/${receipt.evidenceId}`, headers: approver.auth })).json();
    expect(body).toMatchObject({ kind: 'approval', approval_id: '9d0e1f2a-3b4c-4d5e-8f60-718293a4b5c6', query_id: null, verified: true, snapshot: { decision: 'approved' } });
    expect(body.audit.proof.seq).toEqual(expect.any(Number));
  });

  it('is RESOURCE_NOT_FOUND for another organization, and for another user outside the reader\'s scope', async () => {
    const receipt = await createPack(refusedQuery(analyst));
    const url = `/v1/audit/evidence/${receipt.evidenceId}`;
    for (const s of [stranger, peer]) {
      const response = await inject({ method: 'GET', url, headers: s.auth });
      expect(response.statusCode).toBe(404);
      expect(response.json().error).toMatchObject({ code: 'RESOURCE_NOT_FOUND', message: 'No such evidence pack.' });
    }
    expect((await inject({ method: 'GET', url, headers: approver.auth })).statusCode).toBe(200);
    expect((await inject({ method: 'GET', url: '/v1/audit/evidence/00000000-0000-4000-8000-000000000000', headers: approver.auth })).statusCode).toBe(404);
  });

  it('refuses to overwrite a stored pack, and reports a pack or a stored copy altered behind its back', async () => {
    const receipt = await createPack(refusedQuery(analyst));
    const { store } = audit();
    const row = (await t.aureus.db.query<{ storage_key: string; canonical_json: string }>('SELECT storage_key, canonical_json FROM audit_evidence WHERE id = $1', [receipt.evidenceId])).rows[0] as { storage_key: string; canonical_json: string };
    await expect(store.put(row.storage_key, Buffer.from('{"forged":true}'))).rejects.toThrow(EvidenceConflictError);
    await expect(store.put(row.storage_key, Buffer.from(row.canonical_json))).resolves.toBe('exists');

    const file = join(dataDir, 'evidence', row.storage_key);
    await chmod(file, constants.S_IRUSR | constants.S_IWUSR);
    await writeFile(file, row.canonical_json.replace('SSN', 'name'));
    const url = `/v1/audit/evidence/${receipt.evidenceId}`;
    expect((await inject({ method: 'GET', url, headers: analyst.auth })).json()).toMatchObject({ verified: true, storage: { matches: false } });
    await asOwner({ db: t.aureus.db, url: undefined, close: async () => undefined }, async (db) => {
      await db.query("UPDATE audit_evidence SET canonical_json = replace(canonical_json, 'SSN', 'name') WHERE id = $1", [receipt.evidenceId]);
    });
    expect((await inject({ method: 'GET', url, headers: analyst.auth })).json()).toMatchObject({ verified: false });
  });
});
