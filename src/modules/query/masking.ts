import type { MaskingKind } from '../datasets/index.js';
import type { PiiLevel } from '../identity/index.js';

export const REDACTED = '[REDACTED]';

/** Per result column, what the caller gets: the value, or the value masked with a kind. */
export type ColumnMask = MaskingKind | null;

/** A result column as the policy step sees it: its PII lineage from the guard, its origin from the server. */
export interface MaskInput {
  /** PII columns ("schema.table.column") the value derives from, with their masking kinds. */
  pii: ReadonlyMap<string, MaskingKind>;
  /** The base column the server reports the value to be, unmodified; undefined for any expression. */
  origin: string | undefined;
}

/**
 * Seed 002 §6.2: viewers see PII redacted, analysts and approvers partial, admins in full.
 * "Partial" is the column's own masking kind, and only for the stored value itself: a value computed
 * from a PII column (`substr(ssn, 1, 4)`, `upper(email)`, a UNION arm) is redacted, because a
 * partial mask of a computed value can reveal exactly the part the mask hides.
 */
export function maskFor(level: PiiLevel, input: MaskInput): ColumnMask {
  if (input.pii.size === 0 || level === 'full') return null;
  if (level === 'redacted') return 'redact';
  const own = input.origin === undefined ? undefined : input.pii.get(input.origin);
  return own !== undefined && input.pii.size === 1 ? own : 'redact';
}

function words(text: string): string {
  return text.replace(/\p{L}[\p{L}\p{M}'-]*|\p{N}+/gu, (w) => (w.length <= 1 ? '*' : `${w[0]}${'*'.repeat(Math.min(w.length - 1, 8))}`));
}

function last4(text: string): string {
  const alnum = text.replace(/[^A-Za-z0-9]/g, '');
  // Fewer than 8 characters: four would be half the value, so none are shown.
  if (alnum.length < 8) return REDACTED;
  let keep = 4;
  let out = '';
  for (let i = text.length - 1; i >= 0; i--) {
    const ch = text[i] as string;
    if (/[A-Za-z0-9]/.test(ch)) {
      out = (keep > 0 ? ch : '*') + out;
      keep--;
    } else out = ch + out;
  }
  return out;
}

function email(text: string): string {
  const at = text.lastIndexOf('@');
  if (at < 1 || at === text.length - 1) return REDACTED;
  return `${text[0]}***@${text.slice(at + 1)}`;
}

/** Applies one masking kind to one value; NULL stays NULL. */
export function maskValue(kind: MaskingKind, value: unknown, mac: (text: string) => string): unknown {
  if (value === null || value === undefined) return null;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  switch (kind) {
    case 'redact':
      return REDACTED;
    case 'hash':
      return `hash:${mac(text)}`;
    case 'email':
      return email(text);
    case 'last4':
      return last4(text);
    case 'partial':
      // A date keeps its year only; text keeps the first letter of each word.
      return /^\d{4}-\d{2}-\d{2}/.test(text) ? `${text.slice(0, 4)}-**-**` : typeof value === 'string' ? words(text) : REDACTED;
  }
}

export function applyMasks(rows: unknown[][], masks: readonly ColumnMask[], mac: (text: string) => string): unknown[][] {
  if (masks.every((m) => m === null)) return rows;
  return rows.map((row) => row.map((v, i) => {
    const kind = masks[i];
    return kind ? maskValue(kind, v, mac) : v;
  }));
}
