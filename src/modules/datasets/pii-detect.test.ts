import { describe, expect, it } from 'vitest';
import { ibanValid, luhnValid, proposePii, ssnValid } from './pii-detect.js';

const NOW = Date.UTC(2026, 0, 1);
const many = (v: string, n = 10) => Array.from({ length: n }, () => v);

describe('checksums and ranges', () => {
  it.each([
    ['4111111111111111', true], ['4111111111111112', false], ['5500005555555559', true], ['378282246310005', true], ['1234567812345678', false],
  ])('Luhn %s → %s', (digits, ok) => expect(luhnValid(digits)).toBe(ok));

  it.each([
    ['GB82 WEST 1234 5698 7654 32', true], ['DE89370400440532013000', true], ['GB82 WEST 1234 5698 7654 33', false], ['XX00', false],
  ])('IBAN %s → %s', (iban, ok) => expect(ibanValid(iban)).toBe(ok));

  it.each([
    ['123-45-6789', true], ['000-12-3456', false], ['666-12-3456', false], ['912-12-3456', false], ['123-00-4567', false], ['123-45-0000', false], ['123456789', false],
  ])('SSN %s → %s', (ssn, ok) => expect(ssnValid(ssn)).toBe(ok));
});

describe('proposePii', () => {
  it.each([
    ['customers', 'email', [], 'email'],
    ['customers', 'mobile_phone', [], 'last4'],
    ['customers', 'ssn', [], 'last4'],
    ['customers', 'date_of_birth', [], 'redact'],
    ['customers', 'full_name', [], 'partial'],
    ['customers', 'name', [], 'partial'],
    ['accounts', 'iban', [], 'last4'],
    ['payments', 'card_number', [], 'last4'],
    ['customers', 'contact', many('a.b@example.com'), 'email'],
    ['customers', 'tax_code', many('123-45-6789'), 'last4'],
    ['cards', 'pan_text', many('4111 1111 1111 1111'), 'last4'],
    ['accounts', 'acct', many('DE89370400440532013000'), 'last4'],
    ['people', 'born_on', many('1980-05-01'), 'redact'],
    ['people', 'contact_no', many('+1 (555) 010-2345'), 'last4'],
  ] as const)('%s.%s → $3', (table, column, values, masking) => {
    expect(proposePii(table, column, values, NOW)).toMatchObject({ pii: true, masking });
  });

  it.each([
    ['branches', 'name', many('Harbour Street')],
    ['loans', 'amount', many('1234.50')],
    ['loans', 'issued_at', many('2021-05-01')],
    ['customers', 'notes', ['a@b.co', 'hello', 'world', 'x', 'y']],
    ['customers', 'code', many('912-12-3456')],
    ['cards', 'ref', many('1234 5678 1234 5678')],
  ] as const)('%s.%s is not PII', (table, column, values) => {
    expect(proposePii(table, column, values, NOW)).toMatchObject({ pii: false, masking: null });
  });

  it('explains itself without repeating values', () => {
    const proposal = proposePii('customers', 'email', many('jane@example.com', 20), NOW);
    expect(proposal.reasons).toEqual(['the column name suggests email', '100% of 20 sampled values look like email']);
    expect(JSON.stringify(proposal)).not.toContain('jane');
  });
});
