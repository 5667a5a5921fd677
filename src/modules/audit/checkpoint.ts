/**
 * Signed checkpoints: the log's size and root at a moment, signed with the audit key. The text
 * follows the C2SP tlog-checkpoint and signed-note formats, with the timestamp as the first
 * extension line (docs/audit.md):
 *
 *   aureus.audit/acme\n                         origin: printable ASCII, no spaces
 *   1024\n                                      tree size, decimal, no leading zeros
 *   2zV8dTqW0nMeDq5tBFCH5OVvOW5Ixhnm7TBqMRpq6JY=\n   root hash, standard base64
 *   2025-01-31T12:00:00.123Z\n                  RFC 3339 UTC, 'Z', 0–9 fraction digits
 *   \n
 *   — aureus.audit/acme <base64(key id ‖ signature)>\n
 *
 * The Ed25519 signature covers exactly the four body lines, each with its '\n'. The signature line
 * is an em dash (U+2014), a space, the key name (= origin), a space, and base64 of the 4-byte key
 * id followed by the 64-byte signature. Unlike C2SP, the key id is SHA-256(raw public key)[0:4]
 * rather than a hash over name and key, so generic sumdb/note verifiers will not find the key.
 */
import { Buffer } from 'node:buffer';
import { sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

import { fromBase64, toBase64 } from './encoding.js';
import { keyIdOf } from './keys.js';
import type { SigningKey } from './keys.js';
import { HASH_SIZE, emptyRoot } from './merkle.js';
import { fail, success } from './result.js';
import type { Result } from './result.js';

export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Buffer;
  /** RFC 3339 in UTC, e.g. from Date#toISOString(). */
  readonly timestamp: string;
}

const ORIGIN = /^[\x21-\x7e]{1,255}$/;
const SIZE = /^(?:0|[1-9][0-9]{0,15})$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;
const SIGNATURE_PREFIX = '\u2014 ';
const KEY_ID_SIZE = 4;
const SIGNATURE_SIZE = 64;
/** Far above any real checkpoint; stops a hostile input from being split and scanned at length. */
const MAX_NOTE_LENGTH = 4096;

/** The signed bytes. Throws RangeError for a field that could not be parsed back (a caller bug). */
export function checkpointBody(checkpoint: Checkpoint): string {
  const body = `${checkpoint.origin}\n${checkpoint.size}\n${toBase64(checkpoint.rootHash)}\n${checkpoint.timestamp}\n`;
  const parsed = parseBody(body);
  if (!parsed.ok) throw new RangeError(`invalid checkpoint: ${parsed.reason}`);
  return body;
}

/** The signed note: body, blank line, one signature line. */
export function signCheckpoint(key: SigningKey, checkpoint: Checkpoint): string {
  const body = checkpointBody(checkpoint);
  const signature = sign(null, Buffer.from(body, 'utf8'), key.privateKey);
  const keyId = Buffer.from(key.keyId, 'hex');
  return `${body}\n${SIGNATURE_PREFIX}${checkpoint.origin} ${toBase64(Buffer.concat([keyId, signature]))}\n`;
}

/**
 * Parses a signed note and checks its signature with `publicKey`; `expectedOrigin`, when given,
 * must match. Any deviation from the format above is refused, extra lines included.
 */
export function verifyCheckpoint(note: unknown, publicKey: KeyObject, expectedOrigin?: string): Result<Checkpoint> {
  if (typeof note !== 'string') return fail('checkpoint must be text');
  if (note.length > MAX_NOTE_LENGTH) return fail('checkpoint is too long');
  const split = note.indexOf('\n\n');
  if (split < 0) return fail('checkpoint has no blank line before its signature');
  const body = note.slice(0, split + 1);
  const parsed = parseBody(body);
  if (!parsed.ok) return parsed;
  const checkpoint = parsed.value;
  if (expectedOrigin !== undefined && checkpoint.origin !== expectedOrigin) {
    return fail(`checkpoint is for origin "${checkpoint.origin}", expected "${expectedOrigin}"`);
  }

  const signatureLine = note.slice(split + 2);
  if (signatureLine.indexOf('\n') !== signatureLine.length - 1) return fail('checkpoint must end with exactly one signature line');
  const prefix = `${SIGNATURE_PREFIX}${checkpoint.origin} `;
  if (!signatureLine.startsWith(prefix)) return fail('signature line must be "— <origin> <base64>"');
  const blob = fromBase64(signatureLine.slice(prefix.length, -1), KEY_ID_SIZE + SIGNATURE_SIZE);
  if (!blob.ok) return fail(`signature line must hold one signature: ${blob.reason}`);
  const keyId = blob.value.subarray(0, KEY_ID_SIZE).toString('hex');
  const expectedKeyId = keyIdOf(publicKey);
  if (keyId !== expectedKeyId) return fail(`checkpoint is signed by key ${keyId}, not by key ${expectedKeyId}`);
  const valid = verify(null, Buffer.from(body, 'utf8'), publicKey, blob.value.subarray(KEY_ID_SIZE));
  return valid ? success(checkpoint) : fail('checkpoint signature does not verify');
}

/** Orders two checkpoint timestamps (negative: a is earlier); both must have passed parsing. */
export function compareTimestamps(a: string, b: string): number {
  const key = (t: string): string => {
    const [whole = '', fraction = ''] = t.slice(0, -1).split('.');
    return `${whole}.${fraction.padEnd(9, '0')}`;
  };
  const ka = key(a);
  const kb = key(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function parseBody(body: string): Result<Checkpoint> {
  const lines = body.split('\n');
  if (lines.length !== 5 || lines[4] !== '') return fail('checkpoint body must be exactly 4 lines: origin, size, root hash, timestamp');
  const [origin = '', sizeText = '', rootText = '', timestamp = ''] = lines;
  if (!ORIGIN.test(origin)) return fail('origin must be 1–255 printable ASCII characters without spaces');
  if (!SIZE.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) return fail('tree size must be a decimal integer without leading zeros');
  const size = Number(sizeText);
  const rootHash = fromBase64(rootText, HASH_SIZE);
  if (!rootHash.ok) return fail(`root hash: ${rootHash.reason}`);
  if (size === 0 && !rootHash.value.equals(emptyRoot())) return fail('a tree of size 0 must have the empty root');
  if (!isUtcTimestamp(timestamp)) return fail('timestamp must be RFC 3339 UTC, like 2025-01-31T12:00:00.000Z');
  return success({ origin, size, rootHash: rootHash.value, timestamp });
}

function isUtcTimestamp(text: string): boolean {
  const m = TIMESTAMP.exec(text);
  if (m === null) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC rolls 31 February over into March; a round trip catches every out-of-range field.
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second
  );
}
