import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VARS } from '../../src/config/index.js';
import { renderConfigDocs, renderEnvExample } from '../../src/config/docs.js';

describe('generated configuration docs', () => {
  it('docs/config.md matches the config table (run `npm run docs:config`)', () => {
    expect(readFileSync('docs/config.md', 'utf8')).toBe(renderConfigDocs());
  });

  it('.env.example lists every variable (run `npm run docs:config`)', () => {
    const example = readFileSync('.env.example', 'utf8');
    expect(example).toBe(renderEnvExample());
    for (const name of Object.keys(VARS)) expect(example).toMatch(new RegExp(`^${name}=`, 'm'));
  });

  it('gives secrets no default', () => {
    for (const [name, spec] of Object.entries(VARS)) {
      if ('secret' in spec && spec.secret) expect('default' in spec, name).toBe(false);
    }
  });
});
