/**
 * Execution accuracy for the natural-language path, in the Spider/BIRD sense: a generated
 * statement is right when its result equals the gold statement's result, whatever SQL produced it.
 *
 * `sameResult` rules:
 * - Column names are ignored (models alias freely); every row must have the same number of values
 *   on both sides, and both sides the same number of rows.
 * - Rows are compared as a multiset (each expected row matched to a distinct actual row), or
 *   position by position when `ordered`.
 * - Values are normalised before comparing:
 *   - a number, or a string that is a plain decimal number ("12.50", "-3", "1e3"), is compared
 *     numerically with a relative tolerance of 1e-6 (|a − b| ≤ 1e-6 · max(|a|, |b|)), so
 *     "12.50" equals 12.5 and PostgreSQL numeric text equals a float;
 *   - null (or undefined) equals only null;
 *   - a boolean equals only the same boolean (not 1, not "t");
 *   - a Date, or a string that is an ISO date or timestamp ("2024-05-01", "2024-05-01 10:00:00+00",
 *     "2024-05-01T10:00:00.000Z"), is compared by its canonical ISO text: offsets are converted to
 *     UTC ("…Z"), trailing zeros of the fraction dropped; a date never equals a timestamp, and a
 *     timestamp with an offset never equals one without;
 *   - arrays and objects (json) are compared by their canonical JSON text (keys sorted);
 *   - everything else by its string form.
 */
import canonicalize from 'canonicalize';
import { z } from 'zod';

export interface EvalQuestion {
  id: string;
  question: string;
  sql: string;
  ordered: boolean;
  expected: { columns: string[]; rows: unknown[][] };
}

const notBlank = z.string().refine((s) => s.trim() !== '', 'must not be blank');

// Strict objects: a misspelt key ("orderd") must fail loudly rather than default silently.
const questionSchema = z
  .strictObject({
    id: z.string().min(1).max(64),
    question: notBlank,
    sql: notBlank,
    ordered: z.boolean(),
    expected: z.strictObject({ columns: z.array(z.string()).min(1), rows: z.array(z.array(z.unknown())) }),
  })
  .superRefine((q, ctx) => {
    q.expected.rows.forEach((row, i) => {
      if (row.length !== q.expected.columns.length) {
        ctx.addIssue({ code: 'custom', path: ['expected', 'rows', i], message: `has ${row.length} values for ${q.expected.columns.length} columns` });
      }
    });
  });

const fileSchema = z
  .strictObject({ dataset: z.string().min(1), questions: z.array(questionSchema).min(1) })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.questions.forEach((q, i) => {
      if (seen.has(q.id)) ctx.addIssue({ code: 'custom', path: ['questions', i, 'id'], message: `duplicate id "${q.id}"` });
      seen.add(q.id);
    });
  });

/** Where an issue is, naming the question by its id when it has one ("question q07: expected.rows.2"). */
function where(path: readonly PropertyKey[], raw: unknown): string {
  if (path[0] !== 'questions' || typeof path[1] !== 'number') return path.length ? path.join('.') : '(file)';
  const questions = (raw as { questions?: unknown[] }).questions;
  const id = (questions?.[path[1]] as { id?: unknown } | undefined)?.id;
  const name = typeof id === 'string' && id ? `question ${id}` : `question #${path[1] + 1}`;
  return path.length > 2 ? `${name}: ${path.slice(2).join('.')}` : name;
}

/**
 * Reads an evaluation question file (JSON: `{ dataset, questions: [{ id, question, sql, ordered,
 * expected: { columns, rows } }] }`). Every problem is collected and thrown once, each line
 * naming the question it is in.
 */
export function parseQuestionFile(text: string): { dataset: string; questions: EvalQuestion[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`Invalid question file: not JSON (${(err as Error).message}).`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `  - ${where(issue.path, raw)}: ${issue.message}`);
  throw new Error(`Invalid question file:\n${problems.join('\n')}`);
}

/** Relative tolerance for numeric values. */
const TOLERANCE = 1e-6;

/** A normalised value: a number, or a tagged token compared exactly. */
type Cell = number | string;

const NUMERIC = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

function isoText(text: string): string | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = '00', fraction = '', zone] = m;
  if (h === undefined) return `${y}-${mo}-${d}`;
  const frac = fraction.replace(/0+$/, '');
  const tail = frac ? `.${frac}` : '';
  if (zone === undefined) return `${y}-${mo}-${d}T${h}:${mi}:${s}${tail}`;
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'));
  }
  // setUTCFullYear, not Date.UTC: the latter reads years 0–99 as 1900–1999.
  const utc = new Date(0);
  utc.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  utc.setUTCHours(Number(h), Number(mi) - offsetMinutes, Number(s));
  return Number.isNaN(utc.getTime()) ? undefined : `${utc.toISOString().slice(0, 19)}${tail}Z`;
}

function normalise(value: unknown): Cell {
  if (value === null || value === undefined) return 'null:';
  if (typeof value === 'number') return Number.isFinite(value) ? value : `number:${value}`;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return `boolean:${value}`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'date:invalid' : `time:${isoText(value.toISOString()) ?? value.toISOString()}`;
  if (typeof value === 'string') {
    if (NUMERIC.test(value)) return Number(value);
    const iso = isoText(value);
    return iso === undefined ? `text:${value}` : `time:${iso}`;
  }
  if (typeof value === 'object') return `json:${canonicalize(value) ?? ''}`;
  return `text:${String(value)}`;
}

function close(a: number, b: number): boolean {
  return a === b || Math.abs(a - b) <= TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
}

function sameRow(a: Cell[], b: Cell[]): boolean {
  return a.length === b.length && a.every((x, i) => {
    const y = b[i] as Cell;
    return typeof x === 'number' && typeof y === 'number' ? close(x, y) : x === y;
  });
}

/** The row with its numbers blanked: rows that can match one another share it exactly. */
function shape(row: Cell[]): string {
  return JSON.stringify(row.map((c) => (typeof c === 'number' ? 0 : c)));
}

function groupByShape(rows: Cell[][]): Map<string, Cell[][]> {
  const groups = new Map<string, Cell[][]>();
  for (const row of rows) {
    const key = shape(row);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return groups;
}

/**
 * Whether every expected row can be paired with its own actual row. Tolerance makes "equal"
 * non-transitive, so sorting both sides and comparing neighbours can miss a pairing; this finds
 * one by augmenting paths (Kuhn), with candidates narrowed to the actual rows whose first number
 * is within tolerance of the expected row's.
 */
function perfectMatch(expected: Cell[][], actual: Cell[][]): boolean {
  const first = (row: Cell[]) => row.find((c): c is number => typeof c === 'number') ?? 0;
  const sorted = [...actual].sort((a, b) => first(a) - first(b));
  const keys = sorted.map(first);
  const lowerBound = (x: number) => {
    let [lo, hi] = [0, keys.length];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((keys[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const candidates = expected.map((row) => {
    const x = first(row);
    const slack = TOLERANCE * Math.abs(x) * 2;
    const out: number[] = [];
    for (let j = lowerBound(x - slack); j < keys.length && (keys[j] as number) <= x + slack; j++) {
      if (sameRow(row, sorted[j] as Cell[])) out.push(j);
    }
    return out;
  });
  const owner = new Array<number>(sorted.length).fill(-1);
  const partner = new Array<number>(expected.length).fill(-1);
  for (let e = 0; e < expected.length; e++) {
    // Breadth-first search for an alternating path from expected row e to a free actual row.
    const cameFrom = new Map<number, number>();
    const queue = [e];
    let free = -1;
    for (let q = 0; q < queue.length && free < 0; q++) {
      const u = queue[q] as number;
      for (const v of candidates[u] as number[]) {
        if (cameFrom.has(v)) continue;
        cameFrom.set(v, u);
        if (owner[v] === -1) {
          free = v;
          break;
        }
        queue.push(owner[v] as number);
      }
    }
    if (free < 0) return false;
    for (let v = free; v >= 0; ) {
      const u = cameFrom.get(v) as number;
      const previous = partner[u] as number;
      owner[v] = u;
      partner[u] = v;
      v = previous;
    }
  }
  return true;
}

/** Whether `actual` answers the same as `expected` (rules in the module comment). */
export function sameResult(expected: { rows: unknown[][] }, actual: { rows: unknown[][] }, ordered: boolean): boolean {
  if (expected.rows.length !== actual.rows.length) return false;
  const want = expected.rows.map((r) => r.map(normalise));
  const got = actual.rows.map((r) => r.map(normalise));
  if (ordered) return want.every((row, i) => sameRow(row, got[i] as Cell[]));
  const wantGroups = groupByShape(want);
  const gotGroups = groupByShape(got);
  if (wantGroups.size !== gotGroups.size) return false;
  for (const [key, rows] of wantGroups) {
    const other = gotGroups.get(key);
    if (!other || other.length !== rows.length) return false;
    // Without numbers, rows of one shape are identical: equal counts are enough.
    if (rows[0]?.some((c) => typeof c === 'number') && !perfectMatch(rows, other)) return false;
  }
  return true;
}
