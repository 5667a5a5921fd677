import { randomBytes } from 'node:crypto';
import type { Db } from '../../platform/db/index.js';
import { exportSigningKey, generateSigningKey, loadSigningKey } from './keys.js';
import type { SigningKey } from './keys.js';
import { sealKeyOf } from './leaf.js';

/** Everything the log signs and seals with, resolved once at start-up. */
export interface AuditKeys {
  signing: SigningKey;
  /** HMAC key for audit_log.seal, derived from the signing key. */
  sealKey: Buffer;
  /** Checkpoint origin: `aureus.audit/<log id>`, fixed for the life of this database. */
  origin: string;
}

async function storedSetting(db: Db, key: string, candidate: string): Promise<string> {
  await db.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, JSON.stringify(candidate)]);
  const { rows } = await db.query<{ value: string }>('SELECT value FROM settings WHERE key = $1', [key]);
  return rows[0]?.value as string;
}

/**
 * AUDIT_SIGNING_KEY when configured. Otherwise (production refuses to start without it) a key is
 * generated once and kept in the metadata store, so every instance sharing it signs alike and a
 * restart does not break verification. Such a key is only as safe as the database: fine for
 * development, which is why production insists on a configured one.
 */
export async function resolveAuditKeys(db: Db, configured: string | undefined): Promise<AuditKeys> {
  let signing: SigningKey;
  if (configured) {
    const loaded = loadSigningKey(configured);
    if (!loaded.ok) throw new Error(`AUDIT_SIGNING_KEY: ${loaded.reason}`);
    signing = loaded.value;
  } else {
    const pem = await storedSetting(db, 'dev_audit_signing_key', exportSigningKey(generateSigningKey()));
    const loaded = loadSigningKey(pem);
    if (!loaded.ok) throw new Error(`stored development audit key: ${loaded.reason}`);
    signing = loaded.value;
  }
  const origin = `aureus.audit/${await storedSetting(db, 'audit_log_id', randomBytes(8).toString('hex'))}`;
  return { signing, sealKey: sealKeyOf(signing.privateKey), origin };
}
