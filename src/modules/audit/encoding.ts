/**
 * Strict base64 for hashes, proofs, keys and signatures. Node's decoder skips characters it does
 * not know and accepts missing padding, so two different strings could decode to the same bytes;
 * a signed or hashed text must have exactly one spelling, hence the round-trip check.
 */
import { Buffer } from 'node:buffer';

import { fail, success } from './result.js';
import type { Result } from './result.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Decodes standard padded base64; `length`, when given, is the exact byte count required. */
export function fromBase64(text: unknown, length?: number): Result<Buffer> {
  if (typeof text !== 'string' || !BASE64.test(text)) return fail('not standard padded base64');
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) return fail('not canonical base64');
  if (length !== undefined && bytes.length !== length) return fail(`expected ${length} bytes, got ${bytes.length}`);
  return success(bytes);
}

/** Decodes a proof given as an array of base64 strings, each one hash long. */
export function decodeHashList(items: unknown, hashSize: number): Result<Buffer[]> {
  if (!Array.isArray(items)) return fail('proof must be an array of base64 strings');
  const out: Buffer[] = [];
  for (const [i, item] of items.entries()) {
    const decoded = fromBase64(item, hashSize);
    if (!decoded.ok) return fail(`proof[${i}]: ${decoded.reason}`);
    out.push(decoded.value);
  }
  return success(out);
}
