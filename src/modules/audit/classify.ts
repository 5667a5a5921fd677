/**
 * Names what is wrong with one row of the sealed log, as precisely as the evidence allows. A row
 * holds the stored leaf hash and its seal (an HMAC only the key holder can make); the event's
 * fields are read again and hashed at the row's sequence number. Because the leaf includes the
 * sequence number, a row that was moved still tells where it was sealed.
 */
import type { Buffer } from 'node:buffer';

import { leafHashOf, sealOf } from './leaf.js';
import type { LogRow } from './log-repo.js';

export type ProblemKind = 'edited' | 'deleted' | 'inserted' | 'reordered' | 'truncated' | 'forged_checkpoint' | 'forked' | 'rolled_back';

export interface Problem {
  kind: ProblemKind;
  /** The first sequence number verification cannot vouch for (docs/audit.md "Verification"). */
  seq: number;
  message: string;
}

const sealed = (sealKey: Buffer | undefined, row: LogRow) => sealKey === undefined || sealOf(sealKey, row.leafHash).equals(row.seal);
const hashesAt = (row: LogRow, seq: number) => row.doc !== null && leafHashOf(row.stream, seq, row.doc).equals(row.leafHash);

/**
 * `later` gives the rows after this one that were read with it (only asked for when something is
 * wrong); they let a swap or a shift be told from an edit. Returns the recomputed leaf hash when
 * the row is sound.
 */
export function classifyRow(row: LogRow, laterRows: () => readonly LogRow[], sealKey: Buffer | undefined): { ok: true; leafHash: Buffer } | { ok: false; problem: Problem } {
  const k = row.seq;
  const what = `${row.stream} event ${row.eventId}`;
  if (row.doc === null) return bad('deleted', k, `the ${what} sealed at seq ${k} is gone`);
  const recomputed = leafHashOf(row.stream, k, row.doc);
  if (!sealed(sealKey, row)) {
    const next = laterRows()[0];
    if (next && sealed(sealKey, next) && hashesAt(next, k)) {
      return bad('inserted', k, `a row was inserted at seq ${k}: the event now at seq ${k + 1} was sealed as seq ${k}`);
    }
    return bad('edited', k, `the log row at seq ${k} was rewritten: its leaf hash is not sealed by the audit key (${what})`);
  }
  if (recomputed.equals(row.leafHash)) return { ok: true, leafHash: recomputed };
  const swap = laterRows().find((other) => swapped(row, other));
  if (swap) return bad('reordered', k, `seq ${k} and seq ${swap.seq} hold each other's events`);
  if (hashesAt(row, k + 1)) return bad('deleted', k, `a row was deleted at seq ${k}: the ${what} now at seq ${k} was sealed as seq ${k + 1}`);
  return bad('edited', k, `the ${what} at seq ${k} was changed after it was sealed (its fields no longer hash to the sealed leaf)`);
}

/** Two log rows exchanged their places, or their events. */
function swapped(a: LogRow, b: LogRow): boolean {
  if (a.doc === null || b.doc === null) return false;
  const placesSwapped = hashesAt(a, b.seq) && hashesAt(b, a.seq);
  const eventsSwapped = leafHashOf(b.stream, a.seq, b.doc).equals(a.leafHash) && leafHashOf(a.stream, b.seq, a.doc).equals(b.leafHash);
  return placesSwapped || eventsSwapped;
}

function bad(kind: ProblemKind, seq: number, message: string): { ok: false; problem: Problem } {
  return { ok: false, problem: { kind, seq, message } };
}
