import { describe, expect, it } from 'vitest';
import { compilePolicy, parsePolicy } from './policy.js';

const base = { tables: { 'public.t': { columns: ['id', 'email'], pii: { email: 'partial' } } } };

describe('parsePolicy', () => {
  it('accepts the documented shape', () => {
    const full = { ...base, version: '7', default_schema: 'public', functions: { allow: ['public.f'], deny: ['lower'] }, max_rows: 10, allow_explain: true };
    expect(parsePolicy(full)).toEqual({ ok: true, value: full });
  });

  it('collects every problem, with its path, as POLICY_INVALID violations', () => {
    const r = parsePolicy({ tables: { 'public.t': { columns: 'id' } }, max_rows: -1, maxrows: 5 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.violations.every((v) => v.code === 'POLICY_INVALID')).toBe(true);
    const text = r.violations.map((v) => v.message).join('\n');
    expect(text).toContain('tables.public.t.columns');
    expect(text).toContain('max_rows');
    expect(text).toContain('maxrows');
  });

  it.each([
    ['a key that is not schema.table', { tables: { t: { columns: ['id'] } } }, 'must be "schema.table"'],
    ['a system schema', { tables: { 'pg_catalog.pg_user': { columns: ['usename'] } } }, 'system relation'],
    ['information_schema', { tables: { 'information_schema.tables': { columns: ['x'] } } }, 'system relation'],
    ['a pg_ table in an ordinary schema', { tables: { 'public.pg_x': { columns: ['x'] } } }, 'system relation'],
    ['a system default schema', { ...base, default_schema: 'pg_temp' }, 'system schema'],
    ['a duplicate column', { tables: { 'public.t': { columns: ['id', 'id'] } } }, 'twice'],
    ['PII outside the columns', { tables: { 'public.t': { columns: ['id'], pii: { ssn: 'redact' } } } }, 'not in its columns'],
    ['a dangerous function in allow', { ...base, functions: { allow: ['pg_read_file'] } }, 'can never be allowed'],
    ['a qualified dangerous function', { ...base, functions: { allow: ['public.set_config'] } }, 'can never be allowed'],
    ['a system-schema function', { ...base, functions: { allow: ['pg_catalog.format_type'] } }, 'can never be allowed'],
  ])('refuses %s', (_label, input, message) => {
    const r = parsePolicy(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.violations.map((v) => v.message).join()).toContain(message);
  });
});

describe('compilePolicy', () => {
  it('keys by a content hash that ignores key order and never trusts the version alone', () => {
    const keyOf = (p: Parameters<typeof compilePolicy>[0]): string => {
      const r = compilePolicy(p);
      if (!r.ok) throw new Error('valid policy');
      return r.value.key;
    };
    const key = keyOf({ ...base, max_rows: 5 });
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(keyOf({ max_rows: 5, ...base })).toBe(key);
    expect(keyOf({ ...base, max_rows: 6 })).not.toBe(key);
    expect(keyOf({ ...base, max_rows: 5, version: 'v1' })).not.toBe(keyOf({ ...base, max_rows: 6, version: 'v1' }));
  });

  it('precomputes columns, PII sources and the default schema', () => {
    const r = compilePolicy(base);
    if (!r.ok) throw new Error('valid policy');
    const t = r.value.tables.get('public.t');
    expect(t?.cols.map((c) => c.sources)).toEqual([['public.t.id'], ['public.t.email']]);
    expect(t?.starCols.every((c) => c.star)).toBe(true);
    expect([...r.value.piiSources]).toEqual(['public.t.email']);
    expect(r.value.defaultSchema).toBe('public');
    expect(r.value.maxRows).toBeUndefined();
  });
});
