import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox } from './secret-box.js';

describe('SecretBox', () => {
  const box = createSecretBox(randomBytes(32));
  it('round-trips, and every sealing is different', () => {
    const a = box.seal('query-result', 'secret rows', 'q1');
    expect(box.open('query-result', a, 'q1').toString()).toBe('secret rows');
    expect(box.seal('query-result', 'secret rows', 'q1').equals(a)).toBe(false);
    expect(a.includes('secret')).toBe(false);
  });
  it('refuses altered bytes, another row, another purpose and another key', () => {
    const sealed = box.seal('dataset-connection', 'postgres://u:p@h/db', 'd1');
    const flipped = Buffer.from(sealed);
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 1;
    expect(() => box.open('dataset-connection', flipped, 'd1')).toThrow();
    expect(() => box.open('dataset-connection', sealed, 'd2')).toThrow();
    expect(() => box.open('query-result', sealed, 'd1')).toThrow();
    expect(() => createSecretBox(randomBytes(32)).open('dataset-connection', sealed, 'd1')).toThrow();
    expect(() => createSecretBox(randomBytes(16))).toThrow(RangeError);
  });
  it('hashes with a key: stable for one box, different for another', () => {
    expect(box.mac('mask-hash', 'x').equals(box.mac('mask-hash', 'x'))).toBe(true);
    expect(box.mac('mask-hash', 'x').equals(createSecretBox(randomBytes(32)).mac('mask-hash', 'x'))).toBe(false);
  });
});
