import { describe, expect, it } from 'vitest';
import { hostProblem, parseConnectionUrl } from './hosts.js';

const resolver = (table: Record<string, string[]>) => async (host: string) => {
  const found = table[host];
  if (!found) throw new Error('ENOTFOUND');
  return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};
const dns = resolver({ 'db.internal': ['10.1.2.3'], 'metadata.evil': ['169.254.169.254'], 'mixed.example': ['10.1.2.3', '192.168.1.5'], 'v6.example': ['fe80::1'] });

describe('parseConnectionUrl', () => {
  it('accepts user@host[:port]/database with sslmode only', () => {
    expect(parseConnectionUrl('postgresql://reader:pw@DB.internal:6543/loans?sslmode=require')).toEqual({ ok: true, value: { host: 'db.internal', port: 6543, database: 'loans', user: 'reader' } });
    expect(parseConnectionUrl('postgres://reader@[::1]/loans')).toMatchObject({ ok: true, value: { host: '::1', port: 5432 } });
  });
  it.each([
    ['not a url', 'is not a URL'],
    ['http://u@h/db', 'must start with postgres:// or postgresql://'],
    ['postgres://u@h/', 'must name a database'],
    ['postgres://u@h/db?options=-c%20search_path%3Devil', 'parameter "options" is not allowed (only sslmode)'],
    ['postgres://u@h/db?sslmode=maybe', 'sslmode "maybe" is not known'],
  ])('refuses %s', (url, problem) => expect(parseConnectionUrl(url)).toEqual({ ok: false, problem }));
});

describe('hostProblem', () => {
  it('allows any ordinary host when no list is set, never link-local metadata addresses', async () => {
    expect(await hostProblem('db.internal', [], dns)).toBeUndefined();
    expect(await hostProblem('metadata.evil', [], dns)).toBe('host "metadata.evil" resolves to a link-local or unspecified address');
    expect(await hostProblem('169.254.169.254', [], dns)).toContain('link-local');
    expect(await hostProblem('v6.example', [], dns)).toContain('link-local');
    expect(await hostProblem('nowhere', [], dns)).toBe('host "nowhere" does not resolve');
  });
  it('with DATASET_ALLOWED_HOSTS: names, .suffixes, addresses and CIDRs, every resolved address inside', async () => {
    const allowed = ['db.internal', '.corp.example', '10.0.0.0/8'];
    expect(await hostProblem('db.internal', allowed, dns)).toBeUndefined();
    expect(await hostProblem('10.9.9.9', allowed, dns)).toBeUndefined();
    expect(await hostProblem('pg.corp.example', ['.corp.example'], resolver({ 'pg.corp.example': ['172.16.0.1'] }))).toBeUndefined();
    expect(await hostProblem('mixed.example', allowed, dns)).toBe('host "mixed.example" is not in DATASET_ALLOWED_HOSTS');
    expect(await hostProblem('127.0.0.1', allowed, dns)).toBe('host "127.0.0.1" is not in DATASET_ALLOWED_HOSTS');
    expect(await hostProblem('169.254.169.254', ['169.254.169.254'], dns)).toBeUndefined();
  });
});
