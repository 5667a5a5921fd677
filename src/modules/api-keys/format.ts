import { createHash, randomInt } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * `aur_live_` + 32 random base62 characters (~190 bits) + 6 base62 characters of CRC32 over the
 * rest. The checksum lets a mistyped or truncated key be refused without touching the database
 * and lets secret scanners recognise real keys. The first 12 random characters are the lookup
 * prefix (indexed); the whole key is stored only as a SHA-256 hash.
 */
export const KEY_PREFIX = 'aur_live_';
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
const LOOKUP_LENGTH = 12;
const SHAPE = new RegExp(`^${KEY_PREFIX}[0-9A-Za-z]{${RANDOM_LENGTH + CHECKSUM_LENGTH}}$`);

function base62(value: number, width: number): string {
  let out = '';
  let n = value;
  for (let i = 0; i < width; i++) {
    out = (ALPHABET[n % 62] as string) + out;
    n = Math.floor(n / 62);
  }
  return out;
}

function checksum(body: string): string {
  return base62(crc32(body) >>> 0, CHECKSUM_LENGTH);
}

export function generateKey(): string {
  let random = '';
  for (let i = 0; i < RANDOM_LENGTH; i++) random += ALPHABET[randomInt(62)];
  const body = KEY_PREFIX + random;
  return body + checksum(body);
}

/** Well formed: right prefix, length, alphabet and checksum. */
export function isWellFormed(key: string): boolean {
  if (!SHAPE.test(key)) return false;
  const body = key.slice(0, -CHECKSUM_LENGTH);
  return checksum(body) === key.slice(-CHECKSUM_LENGTH);
}

export function lookupPrefix(key: string): string {
  return key.slice(KEY_PREFIX.length, KEY_PREFIX.length + LOOKUP_LENGTH);
}

/** What is shown in listings: enough to recognise a key, never enough to use it. */
export function displayPrefix(lookup: string): string {
  return `${KEY_PREFIX}${lookup}`;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
