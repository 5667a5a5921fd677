import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, userWithRole } from '../harness/identity.js';
import { rows, submit } from './helpers/query.js';
import { type QueryFixture, queryFixture } from './helpers/target.js';

let f: QueryFixture;
let branch3: Session;
let branch3Viewer: Session;
let noTeam: Session;
let inBranch3: number;
beforeAll(async () => {
  f = await queryFixture();
  branch3 = await userWithRole(f.t, 'analyst', { team: '3' });
  branch3Viewer = await userWithRole(f.t, 'viewer', { team: '3' });
  noTeam = await userWithRole(f.t, 'analyst');
  const patched = await patch([{ table: 'customers', expression: 'branch_id = {user.team}', exempt_roles: ['admin'] }]);
  expect(patched.statusCode, patched.body).toBe(200);
  inBranch3 = (await rows(f.t, f.admin, f.datasetId, 'SELECT count(*) FROM customers WHERE branch_id = 3')).rows[0]?.[0] as number;
  expect(inBranch3).toBeGreaterThan(100);
});
afterAll(() => f.close());

function patch(rowFilters: unknown[]) {
  return f.t.aureus.server.inject({ method: 'PATCH', url: `/v1/datasets/${f.datasetId}`, headers: f.admin.auth, payload: { row_filters: rowFilters } });
}
const count = async (s: Session, sql: string) => (await rows(f.t, s, f.datasetId, sql)).rows[0]?.[0];

describe('row filters bound to the caller', () => {
  it('limit every read of the table to the caller\'s rows, whatever the statement does with them', async () => {
    expect(await count(branch3, 'SELECT count(*) FROM customers')).toBe(inBranch3);
    expect(await count(branch3, 'SELECT count(*) FROM (SELECT id FROM customers) AS x')).toBe(inBranch3);
    expect(await count(branch3, 'WITH customers AS (SELECT * FROM customers) SELECT count(*) FROM customers')).toBe(inBranch3);
    expect(await count(branch3, 'SELECT count(DISTINCT l.customer_id) FROM loans l JOIN customers c ON c.id = l.customer_id')).toBe(
      await count(f.admin, 'SELECT count(DISTINCT l.customer_id) FROM loans l JOIN customers c ON c.id = l.customer_id WHERE c.branch_id = 3'),
    );
    // The filter column need not be in the output (wrapping the result alone could not do this).
    const names = await rows(f.t, branch3Viewer, f.datasetId, 'SELECT full_name FROM customers');
    expect(names.row_count).toBe(inBranch3);
  });

  it('cannot be escaped with OR: the caller\'s condition applies to the filtered rows only', async () => {
    expect(await count(branch3, 'SELECT count(*) FROM customers WHERE branch_id = 5 OR true')).toBe(inBranch3);
    expect(await count(branch3, 'SELECT count(*) FROM customers WHERE id > 0 OR 1 = 1')).toBe(inBranch3);
    const branches = await rows(f.t, branch3, f.datasetId, 'SELECT DISTINCT branch_id FROM customers WHERE branch_id <> 3 OR branch_id = 3');
    expect(branches.rows).toEqual([[3]]);
    expect(await count(branch3, 'SELECT count(*) FROM customers WHERE branch_id = 4')).toBe(0);
  });

  it('refuses schema-qualified names for a filtered table instead of running them unfiltered', async () => {
    for (const sql of ['SELECT count(*) FROM public.customers', 'SELECT count(*) FROM "public"."customers"', 'SELECT 1 FROM loans WHERE customer_id IN (SELECT id FROM public.customers)']) {
      const response = await submit(f.t, branch3, f.datasetId, sql);
      expect(response.statusCode, sql).toBe(400);
      expect(response.json().error.details.violations).toEqual([{ code: 'ROW_FILTER_BYPASS', message: 'Refer to public.customers without its schema name: a row filter applies to it.' }]);
    }
    // Tables without a filter may still be qualified.
    expect(await count(branch3, 'SELECT count(*) FROM public.branches')).toBe(8);
  });

  it('shows nothing to a caller the filter cannot place (no team), and everything to exempt roles', async () => {
    expect(await count(noTeam, 'SELECT count(*) FROM customers')).toBe(0);
    expect(await count(f.admin, 'SELECT count(*) FROM customers')).toBe(1500);
    expect(await count(f.admin, 'SELECT count(*) FROM public.customers')).toBe(1500);
  });

  it('keys the cache on the bound claims: another team never gets this team\'s answer', async () => {
    const other = await userWithRole(f.t, 'analyst', { team: '4' });
    const mine = await rows(f.t, branch3, f.datasetId, 'SELECT min(id) FROM customers');
    const again = await rows(f.t, branch3, f.datasetId, 'SELECT min(id) FROM customers');
    const theirs = await rows(f.t, other, f.datasetId, 'SELECT min(id) FROM customers');
    expect(again.cached).toBe(true);
    expect(theirs.cached).toBe(false);
    expect(theirs.rows).toEqual([[await count(f.admin, 'SELECT min(id) FROM customers WHERE branch_id = 4')]]);
    expect(mine.rows).not.toEqual(theirs.rows);
  });

  it('are validated when set: one condition on a listed table, known claims only', async () => {
    const cases: [unknown[], string][] = [
      [[{ table: 'customers', expression: 'branch_id = {user.team}) UNION SELECT 1 FROM branches WHERE (true' }], 'row_filters'],
      [[{ table: 'customers', expression: 'branch_id = {user.salary}' }], 'unknown claim {user.salary}'],
      [[{ table: 'salaries', expression: 'true' }], 'not one of the dataset\'s tables'],
      [[{ table: 'customers', expression: 'pg_sleep(1) IS NULL' }], 'pg_sleep'],
      [[{ table: 'customers', expression: 'password_hash = {user.id}' }], 'password_hash'],
    ];
    for (const [filters, message] of cases) {
      const response = await patch(filters);
      expect(response.statusCode, JSON.stringify(filters)).toBe(400);
      expect(response.json().error.code).toBe('VALIDATION_ERROR');
      expect(response.json().error.message).toContain(message);
    }
  });
});
