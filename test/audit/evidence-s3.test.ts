// Evidence on an S3-compatible bucket (an s3rver emulator on loopback; MinIO does not install
// here): the write-once rules, and Object Lock retention when the bucket has it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, type PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvidenceConflictError, createS3Store } from '../../src/modules/audit/index.js';
import { type AuditFixture, createAuditFixture } from './fixture.js';

const BUCKET = 'aureus-evidence';
let server: S3rver;
let endpoint: string;
let f: AuditFixture;
beforeAll(async () => {
  server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: mkdtempSync(join(tmpdir(), 'aureus-s3-')), configureBuckets: [{ name: BUCKET }] });
  endpoint = `http://127.0.0.1:${(await server.run()).port}`;
  f = await createAuditFixture({ S3_ENDPOINT: endpoint, S3_BUCKET: BUCKET, S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER', S3_FORCE_PATH_STYLE: 'true' });
});
afterAll(async () => {
  await f?.close();
  await server?.close();
});

const client = () => new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
const read = async (key: string) => (await (await client().send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body?.transformToString()) ?? '';

describe('evidence in an S3-compatible bucket', () => {
  it('copies a committed pack to the bucket from the outbox, once', async () => {
    const receipt = await f.testDb.db.transaction((tx) =>
      f.audit.service.evidence.create(tx, {
        kind: 'approval', subjectId: 'a1', actor: { userId: null, email: null, role: null, organizationId: null },
        snapshot: { decision: 'rejected' }, event: { type: 'approval.decided' },
      }),
    );
    expect(f.audit.store.kind).toBe('s3');
    // The background copier may get there first; either way the outbox empties and stays empty.
    await f.audit.evidence.drainOutbox();
    expect(await f.audit.evidence.drainOutbox()).toBe(0);
    expect((await f.testDb.db.query('SELECT 1 FROM audit_evidence_outbox')).rows).toEqual([]);
    const { rows } = await f.testDb.db.query<{ storage_key: string; canonical_json: string }>('SELECT storage_key, canonical_json FROM audit_evidence WHERE id = $1', [receipt.evidenceId]);
    const row = rows[0] as { storage_key: string; canonical_json: string };
    expect(row.storage_key).toMatch(/^evidence-packs\/\d{4}\/\d{2}\/\d{2}\/[0-9a-f-]{36}\.json$/);
    expect(await read(row.storage_key)).toBe(row.canonical_json);
    expect(f.audit.store.locate(row.storage_key)).toBe(`s3://${BUCKET}/${row.storage_key}`);
  });

  it('refuses to overwrite an object with other bytes, even on a server that ignores If-None-Match', async () => {
    const store = createS3Store({ client: client(), bucket: BUCKET, retentionDays: 30 });
    await expect(store.put('evidence-packs/x.json', Buffer.from('{"a":1}'))).resolves.toBe('created');
    await expect(store.put('evidence-packs/x.json', Buffer.from('{"a":1}'))).resolves.toBe('exists');
    await expect(store.put('evidence-packs/x.json', Buffer.from('{"a":2}'))).rejects.toThrow(EvidenceConflictError);
    expect(await read('evidence-packs/x.json')).toBe('{"a":1}');
    expect(await store.get('evidence-packs/none.json')).toBeUndefined();
  });

  it('puts each pack under COMPLIANCE-mode Object Lock until its retention date when the bucket has Object Lock', async () => {
    const locked = client();
    const puts: PutObjectCommand['input'][] = [];
    // The emulator has no Object Lock: answer its configuration as a locked bucket would, and
    // record what the store then sends.
    locked.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'GetObjectLockConfigurationCommand') return { output: { ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' }, $metadata: {} }, response: {} };
        if (context.commandName === 'PutObjectCommand') puts.push(args.input as PutObjectCommand['input']);
        return next(args);
      },
      { step: 'initialize' },
    );
    const now = Date.UTC(2026, 0, 31);
    const store = createS3Store({ client: locked, bucket: BUCKET, retentionDays: 2557, now: () => now });
    await store.put('evidence-packs/locked.json', Buffer.from('{"locked":true}'));
    expect(puts).toEqual([expect.objectContaining({ Key: 'evidence-packs/locked.json', IfNoneMatch: '*', ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: new Date(now + 2557 * 86_400_000) })]);
  });
});
