// Property-based fuzzing (fast-check). validate() is total and quick on any input; meaning-
// preserving edits (whitespace, comments, ASCII case) never turn a refusal into an acceptance or
// change an accepted query's fingerprint; arbitrary edits of accepted queries never produce an
// accepted verdict that reaches outside the policy.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_FUNCTIONS, createGuard, type Guard, type Verdict } from '../../src/modules/guard/index.js';
import { acceptedCorpus, loadGuard, policy, refusedCorpus } from './helpers.js';
import { regions } from './sql-regions.js';

let guard: Guard;
beforeAll(async () => {
  guard = await loadGuard();
});

const RUNS = 300;
const SLOW_MS = 1_000;
const KEYWORD_FUNCTIONS = new Set(['current_date', 'current_time', 'current_timestamp', 'localtime', 'localtimestamp']);

/** Validates, and fails the property if a single call is slow (a hang in the making). */
function timed(sql: string, g: Guard = guard): Verdict {
  const start = performance.now();
  const v = g.validate(sql, policy);
  expect(performance.now() - start).toBeLessThan(SLOW_MS);
  return v;
}

// The first WHITESPACE spacers are plain whitespace. Comments between the words of a two-word
// keyword (WITH ORDINALITY, NOT LIKE, NULLS FIRST…) are a syntax error for libpg_query although
// PostgreSQL accepts them (see docs/guard.md): a refusal either way, so comment spacers are used
// everywhere for refused statements but only around accepted ones.
const SPACERS = [' ', '\n', '\t', '   ', '\r\n', '\f', ' /* c */ ', ' -- c\n', ' /* a /* nested */ b */ '];
const WHITESPACE = 6;

function edits(inner: number, punctuation: boolean) {
  return fc.record({
    spacers: fc.array(fc.nat(inner - 1), { minLength: 1, maxLength: 16 }),
    upper: fc.array(fc.boolean(), { minLength: 1, maxLength: 32 }),
    prefix: fc.nat(SPACERS.length - 1),
    suffix: fc.nat(SPACERS.length - 1),
    punctuation: punctuation ? fc.boolean() : fc.constant(false),
  });
}

type Edits = { spacers: number[]; upper: boolean[]; prefix: number; suffix: number; punctuation: boolean };

/**
 * Rewrites whitespace runs and flips ASCII case, outside literals, quoted names and comments;
 * optionally also pads punctuation, which can split a number (`1.5`) and so is used only where a
 * syntax error is an acceptable outcome.
 */
function reshape(sql: string, e: Edits): string {
  let s = 0;
  let u = 0;
  const spacer = (): string => SPACERS[e.spacers[s++ % e.spacers.length] as number] as string;
  const body = regions(sql)
    .map((r) => {
      if (!r.free) return r.text;
      const spaced = r.text.replace(/[ \t\n\r\f]+/g, spacer);
      const padded = e.punctuation ? spaced.replace(/[(),.]/g, (ch) => `${spacer()}${ch}${spacer()}`) : spaced;
      return padded.replace(/[A-Za-z]/g, (ch) => (e.upper[u++ % e.upper.length] ? ch.toUpperCase() : ch.toLowerCase()));
    })
    .join('');
  return `${SPACERS[e.prefix]}${body}${SPACERS[e.suffix]}`;
}

describe('validate() is total', () => {
  it('never throws or hangs on arbitrary Unicode text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (sql) => {
        const v = timed(sql);
        expect(typeof v.is_valid).toBe('boolean');
        if (!v.is_valid) expect(v.violations.length).toBeGreaterThan(0);
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws on raw code units (lone surrogates, NUL, control characters)', () => {
    const unit = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n));
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 200 }), (sql) => {
        expect(typeof timed(sql).is_valid).toBe('boolean');
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws on SQL-shaped token soup', () => {
    const token = fc.constantFrom(
      'SELECT', 'FROM', 'WHERE', 'loans', 'customers', 'ssn', 'id', '(', ')', ',', ';', '*', "'x'", '$$a$$',
      '--', '/*', '*/', 'pg_sleep(1)', 'UNION', 'JOIN', 'ON', '=', 'WITH', 'AS', 'x', '1', 'DELETE', '::regclass',
      'LATERAL', 'OVER', '(PARTITION BY id)', 'E\'\\\'', '"', 'U&"\\0070g_user"', 'GROUP BY', 'ORDER BY', 'LIMIT',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 40 }), (tokens) => {
        expect(typeof timed(tokens.join(' ')).is_valid).toBe('boolean');
      }),
      { numRuns: RUNS },
    );
  });
});

describe('meaning-preserving edits', () => {
  it('never turn a refused statement into an accepted one', () => {
    fc.assert(
      fc.property(fc.constantFrom(...refusedCorpus), edits(SPACERS.length, true), (c, e) => {
        const v = timed(reshape(c.sql, e));
        expect(v.is_valid).toBe(false);
        const codes: string[] = v.violations.map((x) => x.code);
        expect(codes.includes(c.code) || codes.includes('SYNTAX_ERROR'), codes.join()).toBe(true);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('keep an accepted query accepted, with the same fingerprint and lineage', () => {
    fc.assert(
      fc.property(fc.constantFrom(...acceptedCorpus), edits(WHITESPACE, false), (c, e) => {
        const before = timed(c.sql);
        const after = timed(reshape(c.sql, e));
        expect(after.violations).toEqual([]);
        expect(after.fingerprint).toBe(before.fingerprint);
        expect(after.output_columns).toEqual(before.output_columns);
        expect(after.predicate_columns).toEqual(before.predicate_columns);
      }),
      { numRuns: RUNS },
    );
  });
});

const FRAGMENTS = [
  ';', '; DROP TABLE loans', '--', '/*', '*/', "'", '"', '$$', 'pg_sleep(1)', ', ssn', ' FROM pg_user',
  ' UNION SELECT * FROM pg_shadow', '::regclass', ' FOR UPDATE', ' INTO t', '(SELECT passwd FROM pg_shadow)',
  ' secret', 'c.*', ' JOIN secrets s ON true', 'lo_import(\'/etc/passwd\')', ')', '(', ' WITH d AS (DELETE FROM loans RETURNING *)',
];

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...FRAGMENTS) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.string({ unit: 'binary-ascii', maxLength: 6 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), text: fc.string({ maxLength: 0 }), len: fc.integer({ min: 1, max: 12 }) }),
);

function mutate(sql: string, ms: readonly { kind: 'insert' | 'delete'; at: number; text: string; len?: number }[]): string {
  let out = sql;
  for (const m of ms) {
    const at = m.at % (out.length + 1);
    out = m.kind === 'insert' ? out.slice(0, at) + m.text + out.slice(at) : out.slice(0, at) + out.slice(at + (m.len ?? 1));
  }
  return out;
}

/** What any accepted verdict must satisfy, whatever the input looked like. */
function expectInsidePolicy(v: Verdict): void {
  const tables = policy.tables;
  const sourceOk = (s: string): boolean => {
    const second = s.indexOf('.', s.indexOf('.') + 1);
    return tables[s.slice(0, second)]?.columns.includes(s.slice(second + 1)) === true;
  };
  for (const t of v.tables_accessed) expect(Object.keys(tables)).toContain(t);
  for (const [t, cols] of Object.entries(v.columns_accessed)) for (const c of cols) expect(tables[t]?.columns).toContain(c);
  for (const c of v.output_columns) for (const s of c.sources) expect(sourceOk(s), s).toBe(true);
  for (const s of v.predicate_columns) expect(sourceOk(s), s).toBe(true);
  for (const f of v.functions_used) expect(BUILTIN_FUNCTIONS.has(f) || KEYWORD_FUNCTIONS.has(f), f).toBe(true);
  expect(v.risk_score).toBeLessThan(1);
  const again = timed(v.sanitized_sql);
  expect(again.is_valid).toBe(true);
  expect(again.tables_accessed).toEqual(v.tables_accessed);
}

describe('arbitrary edits of accepted queries', () => {
  it('never yield an accepted verdict that reaches outside the policy', () => {
    fc.assert(
      fc.property(fc.constantFrom(...acceptedCorpus), fc.array(mutation, { minLength: 1, maxLength: 4 }), (c, ms) => {
        const v = timed(mutate(c.sql, ms));
        if (v.is_valid) expectInsidePolicy(v);
        else expect(v.sanitized_sql).toBe('');
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

describe('offsets and bounds', () => {
  const text = fc.string({ unit: 'binary', maxLength: 20 }).filter((s) => !s.includes("'") && !s.includes('\\') && !s.includes('\u0000'));

  it('point at the offending name after arbitrary non-ASCII text', () => {
    fc.assert(
      fc.property(text, (t) => {
        const sql = `SELECT '${t}', secret FROM customers`;
        const v = timed(sql);
        expect(v.violations[0]?.code).toBe('COLUMN_NOT_ALLOWED');
        expect(sql.slice(v.violations[0]?.location)).toMatch(/^secret/);
      }),
      { numRuns: RUNS },
    );
  });

  it('point at the end of input for a truncated statement after non-ASCII text', () => {
    fc.assert(
      fc.property(text, (t) => {
        const sql = `SELECT '${t}' FROM loans WHERE`;
        const v = timed(sql);
        expect(v.violations[0]?.code).toBe('SYNTAX_ERROR');
        expect(v.violations[0]?.location).toBe(sql.length);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuse exactly the inputs above maxSqlBytes, counting UTF-8 bytes', async () => {
    const small = await createGuard({ maxSqlBytes: 64, cacheSize: 0 });
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (t) => {
        const sql = `SELECT '${t.replace(/'/g, '')}'`;
        const tooLarge = Buffer.byteLength(sql, 'utf8') > 64;
        expect(timed(sql, small).violations.some((x) => x.code === 'SQL_TOO_LARGE')).toBe(tooLarge);
      }),
      { numRuns: RUNS },
    );
  });
});
