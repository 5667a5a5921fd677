// sanitized_sql is the caller's own text (never re-printed), wrapped with the row cap so that
// nothing in it can escape the wrapper; verdicts are cached per (policy, SQL); fingerprints
// ignore literals and layout but not names or structure.
import { loadModule, parseSync } from 'libpg-query';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGuard, type Guard } from '../../src/modules/guard/index.js';
import { acceptedCorpus, loadGuard, policy, policyWith } from './helpers.js';

let guard: Guard;
beforeAll(async () => {
  guard = await loadGuard();
  await loadModule();
});

describe('sanitized_sql', () => {
  it.each([
    ['trims and drops the terminating semicolon', '  SELECT id FROM loans ;  \n', 'SELECT id FROM loans'],
    ['drops a comment after the semicolon', 'SELECT id FROM loans; -- done', 'SELECT id FROM loans'],
    ['keeps a trailing line comment, closed by a newline', 'SELECT id FROM loans -- note', 'SELECT id FROM loans -- note'],
    ['keeps a leading comment', '/* weekly */ SELECT id FROM loans', '/* weekly */ SELECT id FROM loans'],
    ['keeps the caller\'s spelling exactly', 'select  ID  from LOANS', 'select  ID  from LOANS'],
    ['keeps non-ASCII text and characters that are not SQL whitespace', "SELECT 'ü' AS a\u00a0", "SELECT 'ü' AS a\u00a0"],
  ])('%s', (_label, sql, body) => {
    expect(guard.validate(sql, policy).sanitized_sql).toBe(`SELECT * FROM (\n${body}\n) AS aureus_q LIMIT 1000`);
  });

  it('is the bare statement when the policy sets no row cap', () => {
    const { max_rows: _omit, ...uncapped } = policy;
    expect(guard.validate('SELECT id FROM loans; ', uncapped).sanitized_sql).toBe('SELECT id FROM loans');
  });

  it('always parses as one SELECT over the caller\'s statement, capped by the wrapper', () => {
    for (const { sql } of acceptedCorpus) {
      const wrapped = guard.validate(sql, policy).sanitized_sql;
      const tree = parseSync(wrapped) as { stmts: { stmt: Record<string, Record<string, unknown>> }[] };
      expect(tree.stmts, sql).toHaveLength(1);
      const select = tree.stmts[0]?.stmt.SelectStmt as { fromClause: { RangeSubselect?: { alias: { aliasname: string } } }[]; limitCount: unknown };
      expect(select.fromClause).toHaveLength(1);
      expect(select.fromClause[0]?.RangeSubselect?.alias.aliasname).toBe('aureus_q');
      expect(select.limitCount).toEqual({ A_Const: expect.objectContaining({ ival: { ival: 1000 } }) });
    }
  });
});

describe('verdict cache', () => {
  it('returns the same frozen verdict for the same SQL and policy', async () => {
    const cached = await createGuard({ cacheSize: 10 });
    const a = cached.validate('SELECT id FROM loans', policy);
    const b = cached.validate('SELECT id FROM loans', policy);
    expect(b).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a.output_columns[0])).toBe(true);
  });

  it('keys on the policy content, so another policy is re-evaluated even under the same version', async () => {
    const cached = await createGuard({ cacheSize: 10 });
    const wide = policyWith({ version: 'v1' });
    const narrow = policyWith({ version: 'v1', tables: { 'public.loans': { columns: ['amount'] } } });
    expect(cached.validate('SELECT id FROM loans', wide).is_valid).toBe(true);
    expect(cached.validate('SELECT id FROM loans', narrow).is_valid).toBe(false);
  });

  it('rejects nonsensical options once, at creation', async () => {
    await expect(createGuard({ maxSqlBytes: 0 })).rejects.toThrow(RangeError);
    await expect(createGuard({ cacheSize: -1 })).rejects.toThrow(RangeError);
    expect((await createGuard()).options).toEqual({ maxSqlBytes: 102_400, cacheSize: 1000 });
  });
});

describe('fingerprint', () => {
  const fp = (sql: string): string => guard.validate(sql, policy).fingerprint;

  it('ignores literals, whitespace, comments and keyword case', () => {
    const base = fp("SELECT id FROM loans WHERE amount > 100 AND status = 'active' LIMIT 10");
    expect(fp("select id from loans where amount > 5 and status = 'late' limit 99")).toBe(base);
    expect(fp("SELECT id\n  FROM loans /* c */ WHERE amount > 1e3 AND status = $$x$$ LIMIT 1 -- end")).toBe(base);
  });

  it('changes with names and structure', () => {
    const base = fp('SELECT id FROM loans WHERE amount > 100');
    expect(fp('SELECT id FROM loans WHERE interest_rate > 100')).not.toBe(base);
    expect(fp('SELECT id FROM transactions WHERE amount > 100')).not.toBe(base);
    expect(fp('SELECT id FROM loans WHERE amount >= 100')).not.toBe(base);
    expect(fp('SELECT id FROM loans WHERE amount > 100 ORDER BY id')).not.toBe(base);
  });

  it('is computed for refused statements too, for the audit trail', () => {
    expect(fp('SELECT * FROM pg_user')).toMatch(/^[0-9a-f]{64}$/);
    expect(fp('SELEC oops')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('refused verdicts keep what the analysis learned', () => {
  it('lists the tables and columns an attempt touched', () => {
    const v = guard.validate('SELECT ssn, pg_sleep(1) FROM customers', policy);
    expect(v.is_valid).toBe(false);
    expect(v.tables_accessed).toEqual(['public.customers']);
    expect(v.columns_accessed).toEqual({ 'public.customers': ['ssn'] });
    expect(v.functions_used).toEqual(['pg_sleep']);
    expect(v.risk_score).toBe(1);
  });
});

describe('libpg_query quirk: comments inside two-word keywords', () => {
  it.each([
    'SELECT n FROM unnest(ARRAY[1]) WITH /* c */ ORDINALITY AS n',
    "SELECT id FROM loans WHERE status NOT /* c */ LIKE 'a%'",
    'SELECT id FROM loans ORDER BY amount NULLS /* c */ FIRST',
  ])('refuses %j as a syntax error (fail closed), though PostgreSQL would accept it', (sql) => {
    expect(guard.validate(sql, policy).violations.map((v) => v.code)).toEqual(['SYNTAX_ERROR']);
  });
});

describe('risk_score through validate', () => {
  it.each([
    ['the documented example', 'SELECT full_name, ssn FROM customers', 0.5],
    ['a filtered, limited read', "SELECT id FROM loans WHERE status = 'late' LIMIT 10", 0],
    ['a cartesian product, unfiltered', 'SELECT l.id FROM loans l, branches b LIMIT 10', 0.35],
    ['a CROSS JOIN', 'SELECT l.id FROM loans l CROSS JOIN branches b WHERE l.amount > 0 LIMIT 10', 0.25],
    ['a comma join the WHERE connects', 'SELECT l.id FROM loans l, branches b WHERE b.id = l.branch_id LIMIT 10', 0.05],
    ['* over a table', 'SELECT * FROM branches WHERE id = 1 LIMIT 1', 0.05],
  ])('%s', (_label, sql, expected) => {
    expect(guard.validate(sql, policy).risk_score).toBe(expected);
  });

  it('adds the unbounded term when neither the statement nor the policy caps rows', () => {
    const { max_rows: _omit, ...uncapped } = policy;
    expect(guard.validate("SELECT id FROM loans WHERE status = 'late'", uncapped).risk_score).toBe(0.15);
  });
});
