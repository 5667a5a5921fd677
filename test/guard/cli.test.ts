// `aureus guard check` through a real process: exit codes (0 valid, 1 refused, 2 usage or policy
// error), text / JSON / JSON-lines output, stdin, and clear messages for bad policy files.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAureus } from '../harness/process.js';
import { FIXTURES } from './helpers.js';

const POLICY = fileURLToPath(new URL('policy.json', FIXTURES));
let dir: string;

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aureus-guard-cli-'));
});

const check = (args: string[], input?: string) => runAureus(['guard', 'check', ...args], {}, input);

// Each run pays the CLI's start-up (~2 s here), so the cases run concurrently.
describe.concurrent('aureus guard check', () => {
  it('exits 0 and prints OK when every file is valid', async () => {
    const good = file('good.sql', "SELECT region, count(*) FROM branches GROUP BY region; -- report\n");
    const r = await check(['--policy', POLICY, good]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^OK {4}.*good\.sql {2}risk=[\d.]+ {2}tables=public\.branches$/m);
  });

  it('exits 1 when any statement is refused, naming code and line:column', async () => {
    const good = file('a.sql', 'SELECT id FROM loans');
    const bad = file('b.sql', "SELECT id\nFROM loans\nWHERE pg_sleep(10) IS NULL");
    const r = await check(['--policy', POLICY, good, bad]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('OK    ');
    expect(r.stdout).toMatch(/^FAIL {2}.*b\.sql$/m);
    expect(r.stdout).toContain('  FUNCTION_NOT_ALLOWED at 3:7: function "pg_sleep" is not allowed');
  });

  it('prints a JSON array of verdicts with --format json', async () => {
    const bad = file('c.sql', 'DELETE FROM loans');
    const r = await check(['--policy', POLICY, '--format', 'json', bad]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { source: string; is_valid: boolean; violations: { code: string }[] }[];
    expect(out).toHaveLength(1);
    expect(out[0]?.source).toBe(bad);
    expect(out[0]?.is_valid).toBe(false);
    expect(out[0]?.violations[0]?.code).toBe('STATEMENT_NOT_ALLOWED');
  });

  it('reads SQL from stdin when no file is given', async () => {
    const r = await check(['--policy', POLICY, '--format', 'json'], 'SELECT full_name FROM customers LIMIT 5');
    expect(r.code).toBe(0);
    const [v] = JSON.parse(r.stdout) as { source: string; sanitized_sql: string; output_columns: unknown[] }[];
    expect(v?.source).toBe('stdin');
    expect(v?.sanitized_sql).toBe('SELECT * FROM (\nSELECT full_name FROM customers LIMIT 5\n) AS aureus_q LIMIT 1000');
    expect(v?.output_columns).toEqual([{ name: 'full_name', sources: ['public.customers.full_name'] }]);
  });

  it('answers JSON lines in, one verdict per line out, keeping each id', async () => {
    const input = [
      JSON.stringify({ id: 'q1', sql: 'SELECT id FROM loans' }),
      '',
      JSON.stringify({ id: 2, sql: 'SELECT * FROM pg_user' }),
    ].join('\n');
    const r = await check(['--policy', POLICY, '--jsonl'], input);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: unknown; is_valid: boolean; violations: { code: string }[] });
    expect(lines.map((l) => [l.id, l.is_valid])).toEqual([['q1', true], [2, false]]);
    expect(lines[1]?.violations[0]?.code).toBe('SYSTEM_RELATION');
  });

  it('exits 2 on a malformed JSON line but still reports the others', async () => {
    const input = `${JSON.stringify({ id: 'ok', sql: 'SELECT 1' })}\nnot json\n${JSON.stringify({ sql: 'SELECT 2' })}\n`;
    const r = await check(['--policy', POLICY, '--jsonl'], input);
    expect(r.code).toBe(2);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('stdin:2: expected a JSON object with "id" and "sql"');
    expect(r.stderr).toContain('stdin:3: expected a JSON object');
  });

  it('exits 2 with a clear message for a policy file that is not JSON', async () => {
    const r = await check(['--policy', file('broken.json', '{ tables: '), file('q.sql', 'SELECT 1')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('invalid policy');
    expect(r.stderr).toContain('not valid JSON');
    expect(r.stdout).toBe('');
  });

  it('exits 2 listing every problem of a policy that does not match the schema', async () => {
    const policy = file('bad-policy.json', JSON.stringify({ tables: { customers: { columns: [] } }, max_row: 10 }));
    const r = await check(['--policy', policy, file('q2.sql', 'SELECT 1')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('max_row');
    expect(r.stderr).toContain('tables.customers.columns');
  });

  it('exits 2 for a missing policy or SQL file, and for usage errors', async () => {
    const missing = await check(['--policy', join(dir, 'nope.json'), file('q3.sql', 'SELECT 1')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read');
    const noPolicy = await check([file('q4.sql', 'SELECT 1')]);
    expect(noPolicy.code).toBe(2);
    expect(noPolicy.stderr).toContain("required option '--policy <file>'");
    const badFormat = await check(['--policy', POLICY, '--format', 'yaml', file('q5.sql', 'SELECT 1')]);
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toContain('yaml');
  });
});
