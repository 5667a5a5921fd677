// The violation codes are a contract: each has an example producing exactly it, and docs/guard.md
// documents each one. Adding a code without both fails here.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { VIOLATION_CODES, type Guard, type Policy } from '../../src/modules/guard/index.js';
import { codesOf, loadGuard, loadJson, policy } from './helpers.js';

interface Example {
  readonly code: string;
  readonly sql?: string;
  readonly generate?: 'oversized' | 'deep' | 'throwing-policy';
  readonly policy?: Policy;
}

const examples = loadJson<Example[]>('code-examples.json');
const guide = readFileSync(new URL('../../docs/guard.md', import.meta.url), 'utf8');
const start = guide.indexOf('## Violation codes');
const docs = guide.slice(start, guide.indexOf('\n## ', start + 1));

let guard: Guard;
beforeAll(async () => {
  guard = await loadGuard();
});

function run(e: Example): string[] {
  if (e.generate === 'oversized') return codesOf(guard.validate(`SELECT '${'x'.repeat(102_400)}'`, policy));
  if (e.generate === 'deep') return codesOf(guard.validate(`SELECT ${'1+'.repeat(300)}1`, policy));
  if (e.generate === 'throwing-policy') {
    const hostile = new Proxy({} as Policy, { get: () => { throw new Error('boom'); }, ownKeys: () => { throw new Error('boom'); } });
    return codesOf(guard.validate('SELECT 1', hostile));
  }
  return codesOf(guard.validate(e.sql ?? '', e.policy ?? policy));
}

describe('violation codes', () => {
  it('has exactly one example per code', () => {
    expect(examples.map((e) => e.code).sort()).toEqual(Object.keys(VIOLATION_CODES).sort());
  });

  it.each(examples.map((e) => [e.code, e] as const))('%s: its example yields exactly that code', (code, e) => {
    expect(new Set(run(e))).toEqual(new Set([code]));
  });

  it.each(Object.keys(VIOLATION_CODES))('%s is documented in the codes table of docs/guard.md', (code) => {
    expect(docs).toMatch(new RegExp(`^\\| \`${code}\` \\|`, 'm'));
  });

  it('documents no code that does not exist', () => {
    const documented = [...docs.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(VIOLATION_CODES).sort());
  });
});
