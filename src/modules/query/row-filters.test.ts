import { loadModule } from 'libpg-query';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../datasets/index.js';
import { activeFilters, qualifiedBypasses, wrapWithFilters } from './row-filters.js';

beforeAll(() => loadModule());

const dataset = {
  tables: [{ name: 'public.customers', rowCount: null, columns: [{ name: 'id' }, { name: 'branch_id' }, { name: 'Full Name' }] }],
  rowFilters: [{ table: 'public.customers', expression: 'branch_id = {user.team} OR {user.role} = \'auditor\'', exemptRoles: ['admin'] }],
} as unknown as Dataset;
const claims = { team: '3', email: 'a@b.co', id: 'u1', role: 'analyst' as const };

describe('wrapWithFilters', () => {
  it('puts a filtered CTE of the same name in front and the approved text in parentheses, claims as parameters', () => {
    const wrapped = wrapWithFilters('SELECT * FROM (\nSELECT id FROM customers -- note\n) AS aureus_q LIMIT 11', dataset.rowFilters, dataset, claims);
    expect(wrapped.sql).toBe(
      'WITH "customers" AS MATERIALIZED (SELECT "id", "branch_id", "Full Name" FROM "public"."customers" WHERE (\nbranch_id = $1 OR $2 = \'auditor\'\n))\n' +
        'SELECT * FROM (\nSELECT * FROM (\nSELECT id FROM customers -- note\n) AS aureus_q LIMIT 11\n) AS aureus_f',
    );
    expect(wrapped.params).toEqual(['3', 'analyst']);
    expect(wrapped.tables).toEqual(['public.customers']);
  });

  it('binds a missing claim as NULL, and changes nothing without filters', () => {
    expect(wrapWithFilters('SELECT 1', dataset.rowFilters, dataset, { ...claims, team: null }).params).toEqual([null, 'analyst']);
    expect(wrapWithFilters('SELECT 1', [], dataset, claims)).toEqual({ sql: 'SELECT 1', params: [], tables: [] });
  });

  it('applies to the tables a statement reads, except for exempt roles', () => {
    expect(activeFilters(dataset, 'analyst', ['public.customers', 'public.loans'])).toHaveLength(1);
    expect(activeFilters(dataset, 'admin', ['public.customers'])).toHaveLength(0);
    expect(activeFilters(dataset, 'analyst', ['public.loans'])).toHaveLength(0);
  });
});

describe('qualifiedBypasses', () => {
  it.each([
    ['SELECT * FROM public.customers', ['public.customers']],
    ['SELECT * FROM "public"."customers"', ['public.customers']],
    ['SELECT 1 FROM loans WHERE EXISTS (SELECT 1 FROM public.customers)', ['public.customers']],
    ['SELECT * FROM customers', []],
    ['SELECT * FROM public.loans', []],
    ["SELECT 'public.customers'", []],
  ])('%s', (sql, found) => expect(qualifiedBypasses(sql, dataset.rowFilters)).toEqual(found));
});
