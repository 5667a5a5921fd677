/**
 * Ed25519 keys of the audit log. The private key signs checkpoints and evidence packs; the public
 * key is all an auditor needs. AUDIT_SIGNING_KEY arrives through an environment variable, where
 * PEM line breaks are awkward, so besides PKCS#8 PEM we accept the PEM with literal `\n`, the
 * base64 of the PKCS#8 DER, and the base64 of the bare 32-byte seed.
 *
 * The key id is the first 4 bytes of SHA-256 over the raw 32-byte public key, in hex. It names the
 * key in checkpoint signature lines and lets a verifier holding several keys (rotation) pick one.
 */
import { Buffer } from 'node:buffer';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

import { fromBase64 } from './encoding.js';
import { fail, success } from './result.js';
import type { Result } from './result.js';

export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** 8 hex digits; see keyIdOf. */
  readonly keyId: string;
}

export interface PublicKeyExport {
  /** SPKI PEM, the form most tools read. */
  readonly pem: string;
  /** Base64 of the raw 32-byte Ed25519 public key. */
  readonly raw: string;
  readonly keyId: string;
}

const RAW_KEY_SIZE = 32;
// DER headers that wrap a raw Ed25519 key (RFC 8410): PKCS#8 for the seed, SPKI for the public key.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function generateSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

/** Reads a private key from config; the reason never echoes key material. */
export function loadSigningKey(text: string): Result<SigningKey> {
  const privateKey = parseKey(text, 'PRIVATE KEY', (der) => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }), PKCS8_PREFIX);
  if (!privateKey.ok) return fail(`signing key: ${privateKey.reason}`);
  const publicKey = createPublicKey(privateKey.value);
  return success({ privateKey: privateKey.value, publicKey, keyId: keyIdOf(publicKey) });
}

/** The private key as PKCS#8 PEM, e.g. to print once when an operator generates a key. */
export function exportSigningKey(key: SigningKey): string {
  return key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

/** Reads a public key: SPKI PEM, base64 of the raw 32 bytes, or base64 of the SPKI DER. */
export function loadPublicKey(text: string): Result<KeyObject> {
  const key = parseKey(text, 'PUBLIC KEY', (der) => createPublicKey({ key: der, format: 'der', type: 'spki' }), SPKI_PREFIX);
  return key.ok ? key : fail(`public key: ${key.reason}`);
}

export function exportPublicKey(publicKey: KeyObject): PublicKeyExport {
  return {
    pem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    raw: rawPublicKey(publicKey).toString('base64'),
    keyId: keyIdOf(publicKey),
  };
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(rawPublicKey(publicKey)).digest().subarray(0, 4).toString('hex');
}

function rawPublicKey(publicKey: KeyObject): Buffer {
  return publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
}

function parseKey(text: string, pemLabel: string, fromDer: (der: Buffer) => KeyObject, rawPrefix: Buffer): Result<KeyObject> {
  if (typeof text !== 'string' || text.trim() === '') return fail('empty');
  const trimmed = text.trim();
  let key: KeyObject;
  try {
    if (trimmed.startsWith('-----BEGIN')) {
      if (!trimmed.startsWith(`-----BEGIN ${pemLabel}-----`)) return fail(`expected a PEM "${pemLabel}" block`);
      const pem = trimmed.replaceAll('\\n', '\n');
      key = pemLabel === 'PRIVATE KEY' ? createPrivateKey(pem) : createPublicKey(pem);
    } else {
      const bytes = fromBase64(trimmed);
      if (!bytes.ok) return fail('neither PEM nor base64');
      key = fromDer(bytes.value.length === RAW_KEY_SIZE ? Buffer.concat([rawPrefix, bytes.value]) : bytes.value);
    }
  } catch {
    return fail('not a readable key');
  }
  return key.asymmetricKeyType === 'ed25519' ? success(key) : fail(`an Ed25519 key is required, got ${key.asymmetricKeyType ?? 'unknown'}`);
}
