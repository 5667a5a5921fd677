// Table-driven refusals per class: the exact code, a message naming the offender without echoing
// more than its name, and a location pointing at it in the caller's text.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Guard } from '../../src/modules/guard/index.js';
import { codesOf, loadGuard, policy, policyWith } from './helpers.js';

let guard: Guard;
beforeAll(async () => {
  guard = await loadGuard();
});

interface Case {
  readonly sql: string;
  readonly code: string;
  /** Substring the message must contain (the offending name or clause). */
  readonly names: string;
  /** Text the first violation's location must point at. */
  readonly at?: string;
}

const CASES: Record<string, readonly Case[]> = {
  'statement kinds': [
    { sql: 'DELETE FROM loans', code: 'STATEMENT_NOT_ALLOWED', names: 'DELETE' },
    { sql: 'DROP TABLE loans', code: 'STATEMENT_NOT_ALLOWED', names: 'DROP' },
    { sql: 'GRANT ALL ON loans TO public', code: 'STATEMENT_NOT_ALLOWED', names: 'GRANT' },
    { sql: 'SET search_path = pg_catalog', code: 'STATEMENT_NOT_ALLOWED', names: 'SET' },
    { sql: 'COPY loans TO STDOUT', code: 'STATEMENT_NOT_ALLOWED', names: 'COPY' },
    { sql: 'BEGIN', code: 'STATEMENT_NOT_ALLOWED', names: 'transaction' },
    { sql: 'CALL p()', code: 'STATEMENT_NOT_ALLOWED', names: 'CALL' },
  ],
  'statement count': [
    { sql: 'SELECT 1; DROP TABLE loans', code: 'MULTIPLE_STATEMENTS', names: '2 statements', at: 'DROP' },
    { sql: '-- nothing here', code: 'EMPTY_STATEMENT', names: 'no statement' },
  ],
  'query clauses': [
    { sql: 'WITH d AS (DELETE FROM loans RETURNING id) SELECT * FROM d', code: 'DATA_MODIFYING_CTE', names: '"d"' },
    { sql: 'SELECT * INTO t FROM loans', code: 'SELECT_INTO', names: 'INTO' },
    { sql: 'SELECT id FROM loans FOR UPDATE', code: 'ROW_LOCKING', names: 'FOR UPDATE' },
    { sql: 'EXPLAIN SELECT 1', code: 'EXPLAIN_NOT_ALLOWED', names: 'EXPLAIN' },
    { sql: 'EXPLAIN ANALYZE SELECT 1', code: 'EXPLAIN_ANALYZE_NOT_ALLOWED', names: 'ANALYZE' },
  ],
  relations: [
    { sql: 'SELECT * FROM pg_catalog.pg_user', code: 'SYSTEM_RELATION', names: '"pg_catalog.pg_user"', at: 'pg_catalog' },
    { sql: 'SELECT 1 FROM loans, information_schema.tables', code: 'SYSTEM_RELATION', names: 'information_schema.tables', at: 'information_schema' },
    { sql: 'SELECT * FROM secrets', code: 'RELATION_NOT_ALLOWED', names: '"secrets"', at: 'secrets' },
    { sql: 'SELECT * FROM "PUBLIC"."Customers"', code: 'RELATION_NOT_ALLOWED', names: 'PUBLIC.Customers' },
  ],
  columns: [
    { sql: 'SELECT c.pin FROM customers c', code: 'COLUMN_NOT_ALLOWED', names: '"pin" of public.customers', at: 'c.pin' },
    { sql: 'SELECT pin FROM customers', code: 'COLUMN_NOT_ALLOWED', names: '"pin"', at: 'pin' },
    { sql: 'SELECT id FROM loans JOIN branches ON true', code: 'AMBIGUOUS_COLUMN', names: '"id"', at: 'id' },
    { sql: 'SELECT s.b FROM (SELECT 1 AS a) s', code: 'UNKNOWN_COLUMN', names: '"b"', at: 's.b' },
    { sql: 'SELECT row_to_json(c) FROM customers c', code: 'WHOLE_ROW_REFERENCE', names: '"c"', at: 'c)' },
    { sql: 'SELECT a FROM loans AS l(a)', code: 'POSITIONAL_REFERENCE_NOT_ALLOWED', names: 'public.loans' },
  ],
  'functions, operators and types': [
    { sql: 'SELECT id FROM loans WHERE pg_sleep(1) IS NULL', code: 'FUNCTION_NOT_ALLOWED', names: '"pg_sleep"', at: 'pg_sleep' },
    { sql: 'SELECT * FROM dblink(\'x\', \'y\') AS t(a int)', code: 'FUNCTION_NOT_ALLOWED', names: '"dblink"', at: 'dblink' },
    { sql: 'SELECT current_user', code: 'FUNCTION_NOT_ALLOWED', names: 'current_user' },
    { sql: 'SELECT 1 OPERATOR(public.+) 1', code: 'OPERATOR_NOT_ALLOWED', names: '"public.+"' },
    { sql: "SELECT 'pg_authid'::regclass", code: 'TYPE_NOT_ALLOWED', names: '"regclass"', at: 'regclass' },
  ],
  'syntax and input': [
    { sql: 'SELECT * FORM loans', code: 'SYNTAX_ERROR', names: 'at or near "FORM"', at: 'FORM' },
    { sql: "SELECT 'é😀' FROM loans WHERE", code: 'SYNTAX_ERROR', names: 'end of input', at: '' },
    { sql: 'SELECT $1', code: 'UNSUPPORTED_SYNTAX', names: 'parameters', at: '$1' },
    { sql: 'SELECT 1\u0000', code: 'INVALID_INPUT', names: 'NUL' },
    { sql: "SELECT '\ud800'", code: 'INVALID_INPUT', names: 'surrogate' },
  ],
};

describe.each(Object.entries(CASES))('%s', (_group, cases) => {
  it.each(cases.map((c) => [c.sql, c] as const))('%j', (_sql, c) => {
    const v = guard.validate(c.sql, policy);
    expect(v.is_valid).toBe(false);
    const first = v.violations[0];
    expect(first?.code).toBe(c.code);
    expect(first?.message).toContain(c.names);
    if (c.at !== undefined) expect(c.sql.slice(first?.location ?? -1)).toMatch(new RegExp(`^${c.at.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });
});

describe('messages never echo more than a name', () => {
  it('does not echo string literals or long identifiers', () => {
    const secret = 'x'.repeat(500);
    const v = guard.validate(`SELECT "${secret}" FROM customers WHERE ssn = 'top-secret-value'`, policy);
    expect(codesOf(v)).toEqual(['COLUMN_NOT_ALLOWED']);
    const message = v.violations[0]?.message ?? '';
    expect(message).not.toContain('top-secret-value');
    expect(message.length).toBeLessThan(150);
  });

  it('neutralises control characters in echoed names', () => {
    const v = guard.validate('SELECT * FROM "evil\nname"', policy);
    expect(v.violations[0]?.message).toContain('"evil?name"');
  });
});

describe('policy-driven refusals', () => {
  it('functions.deny wins over the built-in list, however the call is spelt', () => {
    const p = policyWith({ functions: { deny: ['lower', 'pg_catalog.upper'] } });
    for (const sql of ['SELECT lower(name) FROM branches', 'SELECT pg_catalog.lower(name) FROM branches', 'SELECT upper(name) FROM branches']) {
      expect(codesOf(guard.validate(sql, p)), sql).toEqual(['FUNCTION_NOT_ALLOWED']);
    }
    expect(guard.validate('SELECT initcap(name) FROM branches', p).is_valid).toBe(true);
  });

  it('functions.allow adds custom functions, qualified or resolved through default_schema', () => {
    const p = policyWith({ functions: { allow: ['public.fiscal_quarter', 'risk_bucket'] } });
    expect(guard.validate('SELECT fiscal_quarter(issued_at) FROM loans', p).is_valid).toBe(true);
    expect(guard.validate('SELECT public.fiscal_quarter(issued_at) FROM loans', p).is_valid).toBe(true);
    expect(guard.validate('SELECT risk_bucket(amount) FROM loans', p).is_valid).toBe(true);
    expect(codesOf(guard.validate('SELECT other.fiscal_quarter(issued_at) FROM loans', p))).toEqual(['FUNCTION_NOT_ALLOWED']);
    expect(codesOf(guard.validate('SELECT pg_catalog.risk_bucket(amount) FROM loans', p))).toEqual(['FUNCTION_NOT_ALLOWED']);
  });

  it('a policy can never allow a dangerous built-in', () => {
    const p = policyWith({ functions: { allow: ['pg_sleep'] } });
    expect(codesOf(guard.validate('SELECT 1', p))).toEqual(['POLICY_INVALID']);
  });

  it('plain EXPLAIN is accepted only when the policy allows it, unwrapped, and never with ANALYZE', () => {
    const p = policyWith({ allow_explain: true });
    const v = guard.validate('EXPLAIN (FORMAT JSON) SELECT id FROM loans', p);
    expect(v.is_valid).toBe(true);
    expect(v.sanitized_sql).toBe('EXPLAIN (FORMAT JSON) SELECT id FROM loans');
    expect(v.output_columns).toEqual([{ name: 'QUERY PLAN', sources: [] }]);
    expect(codesOf(guard.validate('EXPLAIN ANALYZE SELECT 1', p))).toEqual(['EXPLAIN_ANALYZE_NOT_ALLOWED']);
    expect(codesOf(guard.validate('EXPLAIN SELECT * FROM pg_user', p))).toEqual(['SYSTEM_RELATION']);
    expect(codesOf(guard.validate('EXPLAIN DELETE FROM loans', p))).toEqual(['STATEMENT_NOT_ALLOWED']);
    expect(codesOf(guard.validate('EXPLAIN (BUFFERS) SELECT 1', p))).toEqual(['UNSUPPORTED_SYNTAX']);
  });

  it('default_schema decides where unqualified names resolve', () => {
    const p = policyWith({ default_schema: 'sales', tables: { 'sales.orders': { columns: ['id'] } } });
    expect(guard.validate('SELECT id FROM orders', p).tables_accessed).toEqual(['sales.orders']);
    expect(codesOf(guard.validate('SELECT id FROM public.orders', p))).toEqual(['RELATION_NOT_ALLOWED']);
  });

  it('an invalid policy refuses everything with POLICY_INVALID', () => {
    const bad = { tables: { customers: { columns: ['id'] } } } as never;
    const v = guard.validate('SELECT 1', bad);
    expect(codesOf(v)).toEqual(['POLICY_INVALID']);
    expect(v.violations[0]?.message).toContain('schema.table');
  });
});

describe('inputs above maxSqlBytes', () => {
  it('are refused before parsing, counting UTF-8 bytes', async () => {
    const { createGuard } = await import('../../src/modules/guard/index.js');
    const small = await createGuard({ maxSqlBytes: 20 });
    expect(small.validate('SELECT 1', policy).is_valid).toBe(true);
    expect(codesOf(small.validate('SELECT 1 + 1 + 1 + 1 + 1', policy))).toEqual(['SQL_TOO_LARGE']);
    // 8 characters, 23 bytes.
    expect(codesOf(small.validate("SELECT '日本語日本語日本'", policy))).toEqual(['SQL_TOO_LARGE']);
    const v = guard.validate(`SELECT '${'x'.repeat(102_400)}'`, policy);
    expect(codesOf(v)).toEqual(['SQL_TOO_LARGE']);
    expect(v.fingerprint).toBe('');
  });
});
