/**
 * Canonical JSON (RFC 8785, JCS): the exact bytes that are hashed into the audit log and signed in
 * evidence packs. Serialisation is the `canonicalize` package (ECMAScript number formatting, keys
 * sorted by UTF-16 code units, minimal string escaping; v4, the last line that runs on Node 20).
 *
 * Before handing a value over we check that it is plain JSON data, because the package quietly
 * follows JSON.stringify's habits — calling toJSON, turning an undefined array element into null,
 * writing `"key":undefined` for a function — and a hash input must not depend on such accidents.
 * Dates in particular are refused: PostgreSQL timestamps carry microseconds that a Date drops, so a
 * record rebuilt from the database would no longer hash the same; store timestamps as strings.
 */
import { Buffer } from 'node:buffer';

import canonicalize from 'canonicalize';

import { fail, success } from './result.js';
import type { Result } from './result.js';

/** Deeper nesting than this is refused rather than risking a stack overflow on hostile input. */
const MAX_DEPTH = 100;

/**
 * RFC 8785 text of a JSON value. Accepts null, booleans, finite numbers, strings without lone
 * surrogates, arrays, and objects whose prototype is Object.prototype or null; object properties
 * whose value is undefined are left out (as JSON.stringify does), anything else is refused.
 */
export function canonicalJson(value: unknown): Result<string> {
  const problem = findProblem(value, '$', 0, new Set());
  if (problem !== undefined) return fail(problem);
  const text = canonicalize(value);
  return text === undefined ? fail('$: value has no JSON form') : success(text);
}

/** The canonical text as UTF-8 bytes: what leaf hashes and evidence digests are computed over. */
export function canonicalBytes(value: unknown): Result<Buffer> {
  const text = canonicalJson(value);
  return text.ok ? success(Buffer.from(text.value, 'utf8')) : text;
}

function findProblem(value: unknown, path: string, depth: number, ancestors: Set<object>): string | undefined {
  switch (typeof value) {
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${path}: ${value} is not a JSON number`;
    case 'string':
      return hasLoneSurrogate(value) ? `${path}: string has a lone surrogate` : undefined;
    case 'object':
      break;
    default:
      return `${path}: ${typeof value} is not JSON data`;
  }
  if (value === null) return undefined;
  if (depth >= MAX_DEPTH) return `${path}: nested deeper than ${MAX_DEPTH}`;
  if (ancestors.has(value)) return `${path}: circular reference`;
  ancestors.add(value);
  const problem = Array.isArray(value) ? arrayProblem(value, path, depth, ancestors) : objectProblem(value, path, depth, ancestors);
  ancestors.delete(value);
  return problem;
}

function arrayProblem(items: unknown[], path: string, depth: number, ancestors: Set<object>): string | undefined {
  for (let i = 0; i < items.length; i++) {
    if (!(i in items) || items[i] === undefined) return `${path}[${i}]: undefined or missing array element`;
    const problem = findProblem(items[i], `${path}[${i}]`, depth + 1, ancestors);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function objectProblem(value: object, path: string, depth: number, ancestors: Set<object>): string | undefined {
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return `${path}: only plain objects are JSON data (got ${value.constructor?.name ?? 'an exotic object'})`;
  if (Object.getOwnPropertySymbols(value).length > 0) return `${path}: symbol keys are not JSON data`;
  for (const [key, member] of Object.entries(value)) {
    if (hasLoneSurrogate(key)) return `${path}: a key has a lone surrogate`;
    if (member === undefined) continue;
    const problem = findProblem(member, `${path}.${key}`, depth + 1, ancestors);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

// In a /u regex a valid surrogate pair is one code point, so only a lone half matches \p{Cs}:
// exactly the I-JSON rule that RFC 8785 requires.
const LONE_SURROGATE = /\p{Cs}/u;

function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}
