import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { decodeKey } from '../../config/production.js';
import type { Db } from '../../platform/db/index.js';

/** What a derived key is for; each purpose gets its own key, so one can never open another's data. */
export type KeyPurpose = 'dataset-connection' | 'query-result' | 'result-cache' | 'mask-hash';

/**
 * AES-256-GCM with keys derived (HKDF-SHA256) from ENCRYPTION_KEY. Sealed bytes are
 * `version(1) | iv(12) | tag(16) | ciphertext`; the additional data binds a ciphertext to its row
 * (a dataset id, a query id), so a sealed value copied to another row does not open.
 */
export interface SecretBox {
  seal(purpose: KeyPurpose, plaintext: Buffer | string, aad: string): Buffer;
  /** Throws when the bytes were altered, belong to another row, or were sealed with another key. */
  open(purpose: KeyPurpose, sealed: Buffer, aad: string): Buffer;
  /** Keyed hash (HMAC-SHA256) for the `hash` masking kind: stable per key, not brute-forceable without it. */
  mac(purpose: KeyPurpose, data: string): Buffer;
}

const VERSION = 1;
const IV = 12;
const TAG = 16;

export function createSecretBox(masterKey: Buffer): SecretBox {
  if (masterKey.length !== 32) throw new RangeError('the encryption key must be 32 bytes');
  const keys = new Map<KeyPurpose, Buffer>();
  const keyFor = (purpose: KeyPurpose): Buffer => {
    let key = keys.get(purpose);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.from('aureus'), Buffer.from(`aureus/${purpose}/v${VERSION}`), 32));
      keys.set(purpose, key);
    }
    return key;
  };
  return {
    seal(purpose, plaintext, aad) {
      const iv = randomBytes(IV);
      const cipher = createCipheriv('aes-256-gcm', keyFor(purpose), iv);
      cipher.setAAD(Buffer.from(aad, 'utf8'));
      const body = Buffer.concat([cipher.update(typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext), cipher.final()]);
      return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
    },
    open(purpose, sealed, aad) {
      if (sealed.length < 1 + IV + TAG || sealed[0] !== VERSION) throw new Error('sealed data has an unknown format');
      const decipher = createDecipheriv('aes-256-gcm', keyFor(purpose), sealed.subarray(1, 1 + IV));
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(sealed.subarray(1 + IV, 1 + IV + TAG));
      return Buffer.concat([decipher.update(sealed.subarray(1 + IV + TAG)), decipher.final()]);
    },
    mac: (purpose, data) => createHmac('sha256', keyFor(purpose)).update(data, 'utf8').digest(),
  };
}

/**
 * ENCRYPTION_KEY, or outside production (where config refuses to start without one) a key
 * generated once and kept in the metadata store, so every instance sharing the store agrees and a
 * restart can still open what was sealed before.
 */
export async function resolveEncryptionKey(db: Db, configured: string | undefined): Promise<Buffer> {
  if (configured) {
    const key = decodeKey(configured);
    if (key?.length !== 32) throw new Error('ENCRYPTION_KEY must be 32 bytes as base64 or 64 hex characters');
    return key;
  }
  const candidate = randomBytes(32).toString('base64');
  await db.query("INSERT INTO settings (key, value) VALUES ('dev_encryption_key', $1) ON CONFLICT (key) DO NOTHING", [JSON.stringify(candidate)]);
  const { rows } = await db.query<{ value: string }>("SELECT value FROM settings WHERE key = 'dev_encryption_key'");
  return Buffer.from(rows[0]?.value as string, 'base64');
}
