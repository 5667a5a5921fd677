import { GetObjectCommand, GetObjectLockConfigurationCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3Config } from '../../config/index.js';
import { EvidenceConflictError, type EvidenceStore } from './store-local.js';

const DAY_MS = 86_400_000;

export function createS3Client(config: S3Config): S3Client {
  return new S3Client({
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    // A copy: the SDK annotates the credentials object, and the configuration is frozen.
    ...(config.credentials ? { credentials: { ...config.credentials } } : {}),
    // Every outbound call has a bound (DESIGN.md §6); the SDK retries with backoff and jitter.
    maxAttempts: 3,
    requestHandler: { requestTimeout: 10_000, connectionTimeout: 3_000 },
  });
}

const statusOf = (err: unknown) => (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

export interface S3StoreOptions {
  client: S3Client;
  bucket: string;
  /** Object Lock retention given to each pack when the bucket has Object Lock enabled. */
  retentionDays: number;
  now?: () => number;
}

/**
 * An S3-compatible bucket. Overwrites are refused three ways: an existing key is read and compared
 * first; the put carries `If-None-Match: *` (S3 and MinIO answer 412 if the key appeared since;
 * servers that ignore the header still passed the first check); and when the bucket has Object
 * Lock, each pack is put in COMPLIANCE mode until its retention date, so not even the bucket owner
 * can delete or replace it before then.
 */
export function createS3Store(options: S3StoreOptions): EvidenceStore {
  const { client, bucket } = options;
  const now = options.now ?? Date.now;
  let locked: boolean | undefined;

  async function objectLock(): Promise<boolean> {
    if (locked !== undefined) return locked;
    try {
      const answer = await client.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
      locked = answer.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled';
    } catch (err) {
      // No configuration (404), or a server without the feature (400/501): no lock. Anything else
      // (network, credentials) is left to the caller's retry rather than remembered as "no lock".
      if (![400, 404, 501].includes(statusOf(err) ?? 0)) throw err;
      locked = false;
    }
    return locked;
  }

  async function get(key: string): Promise<Buffer | undefined> {
    try {
      const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from((await answer.Body?.transformToByteArray()) ?? new Uint8Array());
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async function compare(key: string, bytes: Buffer): Promise<'exists'> {
    const existing = await get(key);
    if (existing?.equals(bytes)) return 'exists';
    throw new EvidenceConflictError(key);
  }

  return {
    kind: 's3',
    async put(key, bytes) {
      if ((await get(key)) !== undefined) return compare(key, bytes);
      const lock = (await objectLock()) ? { ObjectLockMode: 'COMPLIANCE' as const, ObjectLockRetainUntilDate: new Date(now() + options.retentionDays * DAY_MS) } : {};
      try {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentType: 'application/json', IfNoneMatch: '*', ...lock }));
        return 'created';
      } catch (err) {
        if (statusOf(err) === 412 || statusOf(err) === 409) return compare(key, bytes);
        throw err;
      }
    },
    get,
    locate: (key) => `s3://${bucket}/${key}`,
  };
}
