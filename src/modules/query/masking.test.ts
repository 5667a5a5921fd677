import { describe, expect, it } from 'vitest';
import { REDACTED, applyMasks, maskFor, maskValue } from './masking.js';
import { preferredWait } from './routes.js';

const mac = (text: string) => `mac(${text.length})`;

describe('maskValue', () => {
  it.each([
    ['redact', 'anything', REDACTED],
    ['email', 'jane.doe@example.com', 'j***@example.com'],
    ['email', 'not-an-email', REDACTED],
    ['last4', '123-45-6789', '***-**-6789'],
    ['last4', '+1-555-010-2345', '+*-***-***-2345'],
    ['last4', '1234567', REDACTED],
    ['partial', 'Jane van Doe', 'J*** v** D**'],
    ['partial', '1980-05-01', '1980-**-**'],
    ['partial', 42, REDACTED],
    ['hash', 'x', 'hash:mac(1)'],
  ] as const)('%s of %j', (kind, value, masked) => expect(maskValue(kind, value, mac)).toBe(masked));

  it('keeps NULL as NULL and masks only the columns that need it', () => {
    expect(maskValue('redact', null, mac)).toBeNull();
    expect(applyMasks([[1, 'a@b.co', null]], [null, 'email', 'redact'], mac)).toEqual([[1, 'a***@b.co', null]]);
  });
});

describe('maskFor (seed 002 §6.2)', () => {
  const pii = new Map([['public.c.ssn', 'last4' as const]]);
  it('full for admins, redacted for viewers, the column\'s kind for partial roles only on the stored value itself', () => {
    expect(maskFor('full', { pii, origin: undefined })).toBeNull();
    expect(maskFor('redacted', { pii, origin: 'public.c.ssn' })).toBe('redact');
    expect(maskFor('partial', { pii, origin: 'public.c.ssn' })).toBe('last4');
    expect(maskFor('partial', { pii, origin: undefined })).toBe('redact');
    expect(maskFor('partial', { pii, origin: 'public.c.name' })).toBe('redact');
    expect(maskFor('partial', { pii: new Map([...pii, ['public.c.email', 'email' as const]]), origin: 'public.c.ssn' })).toBe('redact');
    expect(maskFor('redacted', { pii: new Map(), origin: undefined })).toBeNull();
  });
});

describe('Prefer: wait', () => {
  it.each([[undefined, 0], ['wait=5', 5], ['respond-async, wait=60', 60], ['wait="10"', 10], ['handling=lenient', 0], ['WAIT=0', 0]])('%s → %s', (header, seconds) => {
    expect(preferredWait(header)).toBe(seconds);
  });
  it.each(['wait=61', 'wait=-1', 'wait=1.5', 'wait=soon', 'wait='])('%s is refused', (header) => {
    expect(() => preferredWait(header)).toThrow('Prefer: wait must be a whole number of seconds from 0 to 60.');
  });
});
