// Lineage: every result column lists the base columns it derives from, so that masking can follow
// a PII column through any expression; predicate_columns lists what filters, joins, groups and
// orders, the input to inference protection.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Guard, Verdict } from '../../src/modules/guard/index.js';
import { loadGuard, policy } from './helpers.js';

let guard: Guard;
beforeAll(async () => {
  guard = await loadGuard();
});

const SSN = 'public.customers.ssn';
const EMAIL = 'public.customers.email';

function accepted(sql: string): Verdict {
  const v = guard.validate(sql, policy);
  expect(v.violations).toEqual([]);
  return v;
}

function sourcesOf(v: Verdict, name: string): readonly string[] {
  const col = v.output_columns.find((c) => c.name === name);
  expect(col, `output column ${name}`).toBeDefined();
  return col?.sources ?? [];
}

describe('a PII column stays attached to every value derived from it', () => {
  it.each([
    ['expression', "SELECT upper(ssn) || '-x' AS out FROM customers"],
    ['cast', 'SELECT ssn::text AS out FROM customers'],
    ['CASE result', "SELECT CASE WHEN id > 0 THEN ssn ELSE 'none' END AS out FROM customers"],
    ['CASE condition', "SELECT CASE WHEN ssn LIKE '9%' THEN 1 ELSE 0 END AS out FROM customers"],
    ['coalesce', "SELECT coalesce(phone, ssn) AS out FROM customers"],
    ['aggregate', 'SELECT max(ssn) AS out FROM customers'],
    ['count distinct', 'SELECT count(DISTINCT ssn) AS out FROM customers'],
    ['aggregate order', "SELECT string_agg(full_name, ',' ORDER BY ssn) AS out FROM customers"],
    ['aggregate filter', "SELECT count(*) FILTER (WHERE ssn IS NULL) AS out FROM customers"],
    ['window order', 'SELECT rank() OVER (ORDER BY ssn) AS out FROM customers'],
    ['named window', 'SELECT row_number() OVER w AS out FROM customers WINDOW w AS (PARTITION BY ssn)'],
    ['CTE', 'WITH x AS (SELECT ssn AS s FROM customers) SELECT s AS out FROM x'],
    ['CTE column list', 'WITH x(s) AS (SELECT ssn FROM customers) SELECT s AS out FROM x'],
    ['nested CTEs', 'WITH a AS (SELECT ssn FROM customers), b AS (SELECT ssn AS t FROM a) SELECT t AS out FROM b'],
    ['derived table', 'SELECT q.s AS out FROM (SELECT lower(ssn) AS s FROM customers) q'],
    ['derived table alias list', 'SELECT out FROM (SELECT ssn FROM customers) q(out)'],
    ['scalar subquery', 'SELECT (SELECT max(ssn) FROM customers) AS out'],
    ['correlated subquery', 'SELECT (SELECT c.ssn FROM customers c WHERE c.id = l.customer_id) AS out FROM loans l'],
    ['ARRAY subquery', 'SELECT ARRAY(SELECT ssn FROM customers) AS out'],
    ['UNION left arm', 'SELECT ssn AS out FROM customers UNION SELECT name FROM branches'],
    ['UNION right arm', 'SELECT name AS out FROM branches UNION ALL SELECT ssn FROM customers'],
    ['INTERSECT', 'SELECT name AS out FROM branches INTERSECT SELECT ssn FROM customers'],
    ['VALUES', 'SELECT column1 AS out FROM (VALUES ((SELECT ssn FROM customers LIMIT 1))) v'],
    ['LATERAL', 'SELECT t.x AS out FROM customers c, LATERAL (SELECT c.ssn AS x) t'],
    ['function in FROM', 'SELECT u AS out FROM customers c, unnest(ARRAY[c.ssn]) AS u'],
    ['JSON', "SELECT jsonb_build_object('s', ssn) ->> 's' AS out FROM customers"],
    ['JOIN USING merge', 'SELECT ssn AS out FROM customers JOIN (SELECT id, 1 AS k FROM loans) l USING (id)'],
    ['whole row of a derived table', 'SELECT row_to_json(q) AS out FROM (SELECT ssn FROM customers) q'],
    ['recursive CTE', 'WITH RECURSIVE r(n, s) AS (SELECT 1, ssn FROM customers UNION ALL SELECT n + 1, s FROM r WHERE n < 3) SELECT s AS out FROM r'],
    ['ORDER BY alias in set operation', 'SELECT out FROM (SELECT ssn AS out FROM customers UNION SELECT email FROM customers ORDER BY out) q'],
  ])('%s', (_label, sql) => {
    expect(sourcesOf(accepted(sql), 'out')).toContain(SSN);
  });
});

describe('lineage stays precise where it can', () => {
  it('keeps columns of different arms apart position by position', () => {
    const v = accepted('SELECT email AS a, id AS b FROM customers UNION SELECT name, id FROM branches');
    expect(sourcesOf(v, 'a')).toEqual(['public.branches.name', EMAIL]);
    expect(sourcesOf(v, 'b')).toEqual(['public.branches.id', 'public.customers.id']);
  });

  it('gives count(*) and constants no sources', () => {
    const v = accepted('SELECT count(*) AS n, 1 AS one, now() AS t FROM customers');
    expect(v.output_columns).toEqual([
      { name: 'n', sources: [] },
      { name: 'one', sources: [] },
      { name: 't', sources: [] },
    ]);
  });

  it('expands * from the policy column list, in policy order', () => {
    const v = accepted('SELECT * FROM branches');
    expect(v.output_columns.map((c) => c.name)).toEqual(['id', 'name', 'city', 'region']);
    expect(v.columns_accessed).toEqual({ 'public.branches': ['city', 'id', 'name', 'region'] });
  });

  it('mixes all sources when * over a table meets a set operation (positions are unknown)', () => {
    const v = accepted('SELECT * FROM branches UNION SELECT id, ssn, email, phone FROM customers');
    for (const col of v.output_columns) expect(col.sources).toEqual(expect.arrayContaining([SSN, EMAIL, 'public.branches.city']));
  });

  it('does not treat EXISTS as carrying its select list', () => {
    const v = accepted('SELECT id, EXISTS (SELECT ssn FROM customers c WHERE c.branch_id = b.id) AS e FROM branches b');
    expect(sourcesOf(v, 'e')).toEqual([]);
    expect(v.predicate_columns).toContain('public.customers.branch_id');
  });
});

describe('predicate_columns', () => {
  it.each([
    ['WHERE', "SELECT id FROM customers WHERE ssn = '1'"],
    ['JOIN ON', 'SELECT c.id FROM customers c JOIN loans l ON l.customer_id = c.id AND c.ssn IS NOT NULL'],
    ['JOIN USING', 'SELECT 1 FROM customers JOIN (SELECT 1 AS ssn) x USING (ssn)'],
    ['GROUP BY', 'SELECT count(*) FROM customers GROUP BY ssn'],
    ['GROUP BY ordinal', 'SELECT ssn, count(*) FROM customers GROUP BY 1'],
    ['GROUP BY alias', 'SELECT left(ssn, 3) AS p, count(*) FROM customers GROUP BY p'],
    ['GROUPING SETS', 'SELECT count(*) FROM customers GROUP BY GROUPING SETS ((ssn), ())'],
    ['HAVING', "SELECT branch_id FROM customers GROUP BY branch_id HAVING max(ssn) > '5'"],
    ['ORDER BY', 'SELECT id FROM customers ORDER BY ssn'],
    ['ORDER BY alias', 'SELECT ssn AS s FROM customers ORDER BY s'],
    ['DISTINCT ON', 'SELECT DISTINCT ON (ssn) id FROM customers'],
    ['window PARTITION BY', 'SELECT count(*) OVER (PARTITION BY ssn) FROM customers'],
    ['named window', 'SELECT count(*) OVER w FROM customers WINDOW w AS (ORDER BY ssn)'],
    ['IN subquery', "SELECT id FROM loans WHERE customer_id IN (SELECT id FROM customers WHERE ssn LIKE '9%')"],
    ['IN subquery select list', 'SELECT id FROM branches WHERE name IN (SELECT ssn FROM customers)'],
    ['EXISTS', 'SELECT id FROM branches b WHERE EXISTS (SELECT 1 FROM customers c WHERE c.ssn = b.name)'],
    ['predicate through a CTE', "WITH x AS (SELECT ssn AS s FROM customers) SELECT 1 FROM x WHERE s = '1'"],
    ['EXCEPT', 'SELECT name FROM branches EXCEPT SELECT ssn FROM customers'],
    ['set-returning function in FROM', 'SELECT c.id, count(*) FROM customers c, generate_series(1, ascii(c.ssn)) g GROUP BY c.id'],
    ['set-returning function in the select list', "SELECT id, regexp_matches(ssn, '^1') FROM customers"],
    ['unnest in a LATERAL join', "SELECT c.id FROM customers c CROSS JOIN LATERAL unnest(string_to_array(c.ssn, '-')) u"],
    ['SELECT DISTINCT', 'SELECT DISTINCT ssn FROM customers WHERE id IN (7, 8)'],
    ['UNION without ALL', "SELECT ssn FROM customers WHERE id = 7 UNION SELECT '123-45-6789'"],
  ])('%s', (_label, sql) => {
    expect(accepted(sql).predicate_columns).toContain(SSN);
  });

  it('stays empty for an unfiltered projection', () => {
    expect(accepted('SELECT ssn FROM customers').predicate_columns).toEqual([]);
    expect(accepted('SELECT ssn FROM customers UNION ALL SELECT name FROM branches').predicate_columns).toEqual([]);
  });
});

describe('computed_columns', () => {
  it.each([
    ['an expression', 'SELECT 1 / (ascii(substr(ssn, 1, 1)) - 49) FROM customers'],
    ['a cast', 'SELECT ssn::int FROM customers'],
    ['an aggregate', 'SELECT count(ssn) FROM customers'],
    ['a CASE', "SELECT CASE WHEN ssn LIKE '1%' THEN 1 END FROM customers"],
    ['a scalar subquery', 'SELECT (SELECT c2.ssn FROM customers c2 WHERE c2.id = c.id) FROM customers c'],
    ['inside a FROM subquery', 'SELECT x FROM (SELECT upper(ssn) AS x FROM customers) s'],
    ['computed from a bare subquery column', 'SELECT upper(x) FROM (SELECT ssn AS x FROM customers) s'],
  ])('%s', (_label, sql) => {
    expect(accepted(sql).computed_columns).toContain(SSN);
  });

  it('stays empty for plain column references, through subqueries, CTEs and UNION ALL', () => {
    for (const sql of ['SELECT ssn, c.email FROM customers c', 'SELECT x FROM (SELECT ssn AS x FROM customers) s', 'WITH w AS (SELECT ssn FROM customers) SELECT ssn FROM w', 'SELECT ssn FROM customers UNION ALL SELECT name FROM branches']) {
      expect(accepted(sql).computed_columns, sql).toEqual([]);
    }
  });
});

describe('tables, columns and functions accessed', () => {
  it('resolves aliases, CTEs and subqueries to schema-qualified base tables', () => {
    const v = accepted(`WITH recent AS (SELECT * FROM loans WHERE issued_at > now() - interval '1 year')
      SELECT b.name, count(*) FROM recent r JOIN branches b ON b.id = r.branch_id
      WHERE r.customer_id IN (SELECT c.id FROM customers c) GROUP BY b.name`);
    expect(v.tables_accessed).toEqual(['public.branches', 'public.customers', 'public.loans']);
    expect(v.columns_accessed['public.customers']).toEqual(['id']);
    expect(v.columns_accessed['public.branches']).toEqual(['id', 'name']);
    expect(v.columns_accessed['public.loans']).toHaveLength(9);
    expect(v.functions_used).toEqual(['count', 'now']);
  });

  it('lists a table read only through count(*) with no columns', () => {
    expect(accepted('SELECT count(*) FROM transactions').columns_accessed).toEqual({ 'public.transactions': [] });
  });

  it('records parser-inserted functions under their pg_catalog names', () => {
    const v = accepted("SELECT extract(year FROM issued_at), trim(status), substring(status FROM 1 FOR 2) FROM loans");
    expect(v.functions_used).toEqual(['btrim', 'extract', 'substring']);
  });
});

describe('result column names follow PostgreSQL', () => {
  it.each([
    ['SELECT id FROM loans', ['id']],
    ['SELECT l.amount, count(*), sum(amount) FROM loans l GROUP BY 1', ['amount', 'count', 'sum']],
    ["SELECT amount::text, 'x'::text, CASE WHEN true THEN 1 END, 1 + 1 FROM loans", ['amount', 'text', 'case', '?column?']],
    ['SELECT coalesce(1, 2), greatest(1, 2), ARRAY[1], (SELECT max(id) FROM loans), EXISTS (SELECT 1)', ['coalesce', 'greatest', 'array', 'max', 'exists']],
    ["SELECT current_date, nullif(1, 2), ('{\"a\":1}'::jsonb)->'a'", ['current_date', 'nullif', '?column?']],
    ['VALUES (1, 2)', ['column1', 'column2']],
    ['SELECT * FROM generate_series(1, 2) WITH ORDINALITY', ['generate_series', 'ordinality']],
  ])('%s', (sql, names) => {
    expect(accepted(sql as string).output_columns.map((c) => c.name)).toEqual(names);
  });
});
