/**
 * Signed truncation records: the retention job's statement that leaves [0, first_seq) may be gone,
 * and what the tree over them was. Text signed (docs/audit.md "Retention"):
 *
 *   aureus-audit-truncation-v1\n<origin>\n<first_seq>\n<root hash base64>\n<RFC 3339 UTC time>\n
 *
 * The fixed first line keeps it from passing for a checkpoint or an evidence signature made with
 * the same key. The stored frontier at first_seq must fold to the signed root, so verification can
 * resume appending from it without the deleted leaves.
 */
import { Buffer } from 'node:buffer';
import { sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

import { fromBase64, toBase64 } from './encoding.js';
import type { SigningKey } from './keys.js';
import { foldFrontier, frontierLength } from './merkle.js';
import { PASS, fail } from './result.js';
import type { Verdict } from './result.js';

const CONTEXT = 'aureus-audit-truncation-v1';

export function truncationStatement(origin: string, firstSeq: number, rootHash: Buffer, timestamp: string): string {
  return `${CONTEXT}\n${origin}\n${firstSeq}\n${toBase64(rootHash)}\n${timestamp}\n`;
}

export function signTruncation(key: SigningKey, statement: string): string {
  return toBase64(sign(null, Buffer.from(statement, 'utf8'), key.privateKey));
}

export interface TruncationRecord {
  firstSeq: number;
  rootHash: Buffer;
  frontier: readonly Buffer[];
  statement: string;
  signature: string;
}

/** The record is the one the key signed, and its frontier is the signed tree's. */
export function verifyTruncation(publicKey: KeyObject, origin: string, t: TruncationRecord): Verdict {
  const lines = t.statement.split('\n');
  const timestamp = lines[4] ?? '';
  if (lines.length !== 6 || t.statement !== truncationStatement(origin, t.firstSeq, t.rootHash, timestamp)) {
    return fail('truncation statement does not match its recorded fields');
  }
  const signature = fromBase64(t.signature, 64);
  if (!signature.ok || !verify(null, Buffer.from(t.statement, 'utf8'), publicKey, signature.value)) {
    return fail('truncation record is not signed by the audit key');
  }
  if (t.frontier.length !== frontierLength(t.firstSeq) || !foldFrontier(t.frontier).equals(t.rootHash)) {
    return fail('truncation frontier does not fold to the signed root');
  }
  return PASS;
}
