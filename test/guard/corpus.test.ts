// The corpora: every refused statement is refused with its expected code, every accepted
// analytics query is accepted, and an accepted query's sanitized_sql is the caller's own text
// wrapped with the row cap — re-validated, it is still one valid SELECT.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Guard } from '../../src/modules/guard/index.js';
import { acceptedCorpus, codesOf, loadGuard, policy, refusedCorpus } from './helpers.js';

let guard: Guard;
beforeAll(async () => {
  guard = await loadGuard();
});

describe('corpus sizes', () => {
  it('holds at least 200 refused and 150 accepted statements', () => {
    expect(refusedCorpus.length).toBeGreaterThanOrEqual(200);
    expect(acceptedCorpus.length).toBeGreaterThanOrEqual(150);
  });

  it('covers every refusal class the issue lists', () => {
    const classes = new Set(refusedCorpus.map((c) => c.class));
    for (const cls of [
      'dml', 'ddl', 'dcl', 'multi_statement', 'empty', 'data_modifying_cte', 'select_into', 'row_locking',
      'explain', 'explain_analyze', 'session', 'transaction', 'utility', 'fn_sleep', 'fn_files',
      'fn_large_objects', 'fn_locks', 'fn_sequences', 'fn_config', 'fn_backends', 'fn_remote', 'fn_sql_text',
      'catalog', 'relation_not_in_policy', 'column_not_in_policy',
    ]) {
      expect(classes, cls).toContain(cls);
    }
  });
});

function groupBy<T>(items: readonly T[], key: (t: T) => string): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return [...groups.entries()];
}

describe.each(groupBy(refusedCorpus, (c) => c.class))('refused: %s', (_cls, cases) => {
  it.each(cases.map((c) => [c.code, c.sql] as const))('%s: %j', (code, sql) => {
    const v = guard.validate(sql, policy);
    expect(v.is_valid).toBe(false);
    expect(codesOf(v)).toContain(code);
    expect(v.risk_score).toBe(1);
    expect(v.sanitized_sql).toBe('');
  });
});

describe.each(groupBy(acceptedCorpus, (c) => c.feature))('accepted: %s', (_feature, cases) => {
  it.each(cases.map((c) => [c.sql] as const))('%j', (sql) => {
    const v = guard.validate(sql, policy);
    expect(v.violations).toEqual([]);
    expect(v.is_valid).toBe(true);
    expect(v.risk_score).toBeGreaterThanOrEqual(0);
    expect(v.risk_score).toBeLessThan(1);
    expect(v.sanitized_sql.startsWith('SELECT * FROM (\n')).toBe(true);
    expect(v.sanitized_sql.endsWith(`\n) AS aureus_q LIMIT ${policy.max_rows}`)).toBe(true);
    expect(sql).toContain(v.sanitized_sql.slice('SELECT * FROM (\n'.length, v.sanitized_sql.lastIndexOf('\n)')));
    expect(v.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const again = guard.validate(v.sanitized_sql, policy);
    expect(again.is_valid).toBe(true);
    expect(again.output_columns.map((c) => c.name)).toEqual(v.output_columns.map((c) => c.name));
  });
});
