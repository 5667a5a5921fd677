/**
 * Signatures over evidence packs (a query's or an approval decision's record, DESIGN.md §8).
 *
 * The pack is first serialised with canonicalJson (canonical.ts); what is signed is not those
 * bytes but the short text `aureus-evidence-v1\n<hex SHA-256 of the canonical bytes>\n`:
 * - the SHA-256 is stored next to the pack anyway, so the signature can be checked against the
 *   stored digest without re-reading a large pack, and the pack against the digest separately;
 * - the fixed first line keeps an evidence signature from ever passing for a checkpoint signature
 *   made with the same key (a checkpoint body has four lines and starts with the origin).
 * Callers pass bytes, not objects, so the offline verifier needs no JSON library.
 */
import { Buffer } from 'node:buffer';
import { createHash, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

import { fromBase64, toBase64 } from './encoding.js';
import { keyIdOf } from './keys.js';
import type { SigningKey } from './keys.js';
import { PASS, fail } from './result.js';
import type { Verdict } from './result.js';

export interface EvidenceSignature {
  /** Hex SHA-256 of the canonical bytes. */
  readonly sha256: string;
  /** Base64 Ed25519 signature over evidenceMessage(sha256). */
  readonly signature: string;
  readonly keyId: string;
}

const CONTEXT = 'aureus-evidence-v1';
const SHA256_HEX = /^[0-9a-f]{64}$/;

export function evidenceMessage(sha256Hex: string): Buffer {
  return Buffer.from(`${CONTEXT}\n${sha256Hex}\n`, 'utf8');
}

export function signEvidence(key: SigningKey, canonical: Uint8Array): EvidenceSignature {
  const sha256 = createHash('sha256').update(canonical).digest('hex');
  return { sha256, signature: toBase64(sign(null, evidenceMessage(sha256), key.privateKey)), keyId: key.keyId };
}

/**
 * Checks canonical pack bytes against a signature record. `sha256` and `keyId`, when present in
 * the record, must match too (a stored digest that disagrees with the pack is tampering as well).
 */
export function verifyEvidence(publicKey: KeyObject, canonical: Uint8Array, record: Partial<EvidenceSignature>): Verdict {
  const sha256 = createHash('sha256').update(canonical).digest('hex');
  if (record.sha256 !== undefined && (typeof record.sha256 !== 'string' || !SHA256_HEX.test(record.sha256))) {
    return fail('sha256 must be 64 lowercase hex digits');
  }
  if (record.sha256 !== undefined && record.sha256 !== sha256) return fail('evidence bytes do not match the recorded SHA-256');
  const keyId = keyIdOf(publicKey);
  if (record.keyId !== undefined && record.keyId !== keyId) return fail(`evidence is signed by key ${String(record.keyId)}, not by key ${keyId}`);
  const signature = fromBase64(record.signature, 64);
  if (!signature.ok) return fail(`signature: ${signature.reason}`);
  return verify(null, evidenceMessage(sha256), publicKey, signature.value) ? PASS : fail('evidence signature does not verify');
}
