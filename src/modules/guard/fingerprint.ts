// Normalised-form fingerprint: the parse tree with literal values and source positions removed,
// hashed. Equal for statements that differ only in constants, whitespace, comments or keyword
// case; different whenever a table, column, function or the shape of the query differs.
import { hash } from 'node:crypto';
import type { Node } from 'libpg-query';

const POSITION_KEYS = new Set(['location', 'stmt_location', 'stmt_len', 'name_location']);

// Hand-rolled rather than JSON.stringify with a replacer: this runs on every uncached validation
// and is most of its cost. Strings are length-prefixed, so the encoding stays unambiguous.
function serialize(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return `${value.length}'${value}`;
    case 'number':
    case 'boolean':
      return String(value);
    case 'object':
      break;
    default:
      return '~';
  }
  if (value === null) return '~';
  let out = '';
  if (Array.isArray(value)) {
    out = '[';
    for (const item of value) out += `${serialize(item)},`;
    return `${out}]`;
  }
  out = '{';
  for (const key in value) {
    if (POSITION_KEYS.has(key)) continue;
    // A_Const holds the literal: keep only that it is one.
    out += key === 'A_Const' ? 'A_Const:?,' : `${key}:${serialize((value as Record<string, unknown>)[key])},`;
  }
  return `${out}}`;
}

export function fingerprintTree(stmt: Node): string {
  return hash('sha256', serialize(stmt));
}

/** For text the parser never produced a tree for: hash of its whitespace-collapsed form. */
export function fingerprintText(sql: string): string {
  return hash('sha256', `text:${sql.replace(/\s+/g, ' ').trim()}`);
}
