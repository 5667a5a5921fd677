import { describe, expect, it } from 'vitest';
import { checkInput, Offsets, skipSpace, statementText, wrapWithLimit } from './text.js';

describe('checkInput', () => {
  it.each([
    ['SELECT 1', 100, undefined],
    [42, 100, 'INVALID_INPUT'],
    ['SELECT 1\u0000', 100, 'INVALID_INPUT'],
    ['SELECT \'\udc00\'', 100, 'INVALID_INPUT'],
    ['x'.repeat(101), 100, 'SQL_TOO_LARGE'],
    ['é'.repeat(50), 100, undefined],
    ['é'.repeat(51), 100, 'SQL_TOO_LARGE'],
    ['😀'.repeat(25), 100, undefined],
    ['😀'.repeat(26), 100, 'SQL_TOO_LARGE'],
  ] as const)('%j within %d bytes → %s', (sql, max, code) => {
    expect(checkInput(sql, max)?.code).toBe(code);
  });
});

describe('Offsets', () => {
  const sql = "SELECT 'é😀', x";
  const offsets = new Offsets(sql);

  it('maps UTF-8 byte offsets to UTF-16 indexes', () => {
    // Bytes: SELECT ' = 8, é = 2, 😀 = 4, then "', " = 3 → x at byte 17, index 14.
    expect(offsets.fromByte(8)).toBe(8);
    expect(offsets.fromByte(10)).toBe(9);
    expect(offsets.fromByte(14)).toBe(11);
    expect(offsets.fromByte(17)).toBe(14);
    expect(sql.slice(offsets.fromByte(17))).toBe('x');
  });

  it('maps code-point offsets (parser error cursors) to UTF-16 indexes', () => {
    expect(offsets.fromCodePoint(9)).toBe(9);
    expect(offsets.fromCodePoint(10)).toBe(11);
    expect(offsets.fromCodePoint(13)).toBe(14);
    expect(offsets.fromCodePoint(99)).toBe(sql.length);
  });

  it('is the identity for ASCII text', () => {
    const ascii = new Offsets('SELECT 1');
    expect(ascii.ascii).toBe(true);
    expect(ascii.fromByte(7)).toBe(7);
    expect(ascii.fromCodePoint(7)).toBe(7);
  });
});

describe('statement text and wrapping', () => {
  it('slices the parser range and trims only PostgreSQL whitespace', () => {
    const sql = '\n  SELECT 1 AS a\u00a0; -- done';
    expect(statementText(sql, new Offsets(sql), 0, Buffer.byteLength('\n  SELECT 1 AS a\u00a0'))).toBe('SELECT 1 AS a\u00a0');
    expect(statementText('SELECT 1 -- c\n', new Offsets('SELECT 1 -- c\n'))).toBe('SELECT 1 -- c');
  });

  it('puts the closing parenthesis on its own line', () => {
    expect(wrapWithLimit('SELECT 1 -- c', 10)).toBe('SELECT * FROM (\nSELECT 1 -- c\n) AS aureus_q LIMIT 10');
    expect(wrapWithLimit('SELECT 1', undefined)).toBe('SELECT 1');
  });

  it('skips whitespace', () => {
    expect(skipSpace('a  \n\tb', 1)).toBe(5);
    expect(skipSpace('a', 1)).toBe(1);
  });
});
