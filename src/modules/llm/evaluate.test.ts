import { describe, expect, it } from 'vitest';
import { parseQuestionFile, sameResult } from './evaluate.js';

const rows = (...r: unknown[][]) => ({ rows: r });

describe('sameResult: values', () => {
  it.each([
    ['numeric text and a number', '12.50', 12.5],
    ['integer text and a number', '2500', 2500],
    ['exponent text', '1e3', 1000],
    ['within the relative tolerance', 1_000_000, 1_000_000.9],
    ['within tolerance on a small value', '0.000001', 0.0000010000009],
    ['null and null', null, null],
    ['undefined as null', undefined, null],
    ['a boolean and itself', true, true],
    ['a date and itself', '2024-05-01', '2024-05-01'],
    ['PostgreSQL timestamptz text and JavaScript ISO text', '2024-05-01 10:00:00+00', '2024-05-01T10:00:00.000Z'],
    ['an offset converted to UTC', '2024-05-01 12:30:00+02:30', '2024-05-01T10:00:00Z'],
    ['a Date object and timestamp text', new Date('2024-05-01T10:00:00.250Z'), '2024-05-01 10:00:00.25+00'],
    ['a year below 100 kept as it is', '0050-03-01 23:30:00-01', '0050-03-02T00:30:00Z'],
    ['microseconds kept', '2024-05-01 10:00:00.123456+00', '2024-05-01T10:00:00.123456Z'],
    ['a timestamp without zone, either separator', '2024-05-01 10:00:00', '2024-05-01T10:00:00.000'],
    ['text and text', 'north', 'north'],
    ['json objects whatever the key order', { a: 1, b: [2] }, { b: [2], a: 1 }],
  ])('equal: %s', (_label, a, b) => {
    expect(sameResult(rows([a]), rows([b]), false)).toBe(true);
    expect(sameResult(rows([b]), rows([a]), true)).toBe(true);
  });

  it.each([
    ['just past the relative tolerance', 1_000_000, 1_000_001.1],
    ['numbers that differ in the second decimal', '12.50', 12.51],
    ['zero and a tiny number', 0, 1e-12],
    ['null and zero', null, 0],
    ['null and empty text', null, ''],
    ['null and the text "null"', null, 'null'],
    ['a boolean and 1', true, 1],
    ['a boolean and "t"', true, 't'],
    ['true and false', true, false],
    ['a date and midnight that day', '2024-05-01', '2024-05-01 00:00:00+00'],
    ['a timestamp with and without an offset', '2024-05-01 10:00:00+00', '2024-05-01 10:00:00'],
    ['timestamps an hour apart', '2024-05-01 10:00:00+01', '2024-05-01 10:00:00+00'],
    ['text that differs in case', 'North', 'north'],
    ['a number and non-numeric text', 12, '12 GBP'],
    ['NaN text and a number', 'NaN', 0],
  ])('different: %s', (_label, a, b) => {
    expect(sameResult(rows([a]), rows([b]), false)).toBe(false);
    expect(sameResult(rows([b]), rows([a]), true)).toBe(false);
  });
});

describe('sameResult: rows and columns', () => {
  const expected = rows(['north', 605, '9.202'], ['south', 623, '8.573'], ['east', 622, '8.993']);

  it('ignores column names and row order unless ordered', () => {
    const actual = rows(['east', '622', 8.993], ['north', 605, 9.202], ['south', 623, 8.573]);
    expect(sameResult(expected, actual, false)).toBe(true);
    expect(sameResult(expected, actual, true)).toBe(false);
    expect(sameResult(expected, expected, true)).toBe(true);
  });

  it.each([
    ['a different value in one row', [['north', 605, '9.202'], ['south', 624, '8.573'], ['east', 622, '8.993']]],
    ['an extra row', [['north', 605, '9.202'], ['south', 623, '8.573'], ['east', 622, '8.993'], ['west', 650, '9.1']]],
    ['a missing row', [['north', 605, '9.202'], ['south', 623, '8.573']]],
    ['a duplicated row in place of another', [['north', 605, '9.202'], ['north', 605, '9.202'], ['east', 622, '8.993']]],
    ['an extra column', [['north', 605, '9.202', 1], ['south', 623, '8.573', 1], ['east', 622, '8.993', 1]]],
    ['a missing column', [['north', 605], ['south', 623], ['east', 622]]],
    ['values moved between columns', [['north', '9.202', 605], ['south', '8.573', 623], ['east', '8.993', 622]]],
  ])('fails on %s', (_label, actual) => {
    expect(sameResult(expected, { rows: actual }, false)).toBe(false);
  });

  it('counts duplicates: a multiset, not a set', () => {
    expect(sameResult(rows([1], [1], [2]), rows([1], [2], [2]), false)).toBe(false);
    expect(sameResult(rows([1], [1], [2]), rows([2], [1], [1]), false)).toBe(true);
  });

  it('treats empty results as equal only to empty results', () => {
    expect(sameResult(rows(), rows(), true)).toBe(true);
    expect(sameResult(rows(), rows([null]), false)).toBe(false);
  });

  it('fails an ordered top-N whose ties are broken the other way', () => {
    const top = rows([393, '1998380.10'], [687, '1995979.09']);
    expect(sameResult(top, rows([687, '1995979.09'], [393, '1998380.10']), true)).toBe(false);
    expect(sameResult(top, rows([393, 1998380.1], [687, 1995979.09]), true)).toBe(true);
  });

  it('finds a pairing that sorting alone would miss (tolerance is not transitive)', () => {
    // Sorted by the number, the pairs line up as (1, b)–(1, a): a neighbour comparison fails,
    // though each row has a partner within tolerance.
    const expectedRows = rows([1, 'a', 1], [1.0000005, 'a', 2]);
    const actualRows = rows([1.0000004, 'a', 1], [1.0000001, 'a', 2]);
    expect(sameResult(expectedRows, actualRows, false)).toBe(true);
    expect(sameResult(expectedRows, rows([1.0000004, 'a', 1], [1.0000001, 'a', 1]), false)).toBe(false);
  });

  it('pairs rows where a greedy first choice would block the only complete pairing', () => {
    // Expected row 0 matches both actual rows and comes first; row 1 matches only 1.
    const expectedRows = rows([1.0000005], [0.9999995]);
    const actualRows = rows([1.000001], [1]);
    expect(sameResult(expectedRows, actualRows, false)).toBe(true);
  });

  it('compares many numeric rows quickly', () => {
    const many = Array.from({ length: 20_000 }, (_, i) => [i, (i * 1.5).toFixed(2)]);
    const shuffled = [...many].reverse().map(([i, v]) => [String(i), Number(v)]);
    expect(sameResult({ rows: many }, { rows: shuffled }, false)).toBe(true);
    shuffled[0] = ['19999', 0];
    expect(sameResult({ rows: many }, { rows: shuffled }, false)).toBe(false);
  });
});

const question = (over: Record<string, unknown> = {}) => ({
  id: 'q01', question: 'How many branches are there?', sql: 'SELECT count(*) FROM branches', ordered: false,
  expected: { columns: ['count'], rows: [[8]] }, ...over,
});
const file = (questions: unknown[], extra: Record<string, unknown> = {}) => JSON.stringify({ dataset: 'demo', questions, ...extra });

describe('parseQuestionFile', () => {
  it('reads a valid file as it is', () => {
    expect(parseQuestionFile(file([question(), question({ id: 'q02', ordered: true })]))).toEqual({
      dataset: 'demo',
      questions: [question(), question({ id: 'q02', ordered: true })],
    });
  });

  it.each([
    ['text that is not JSON', '{ "dataset": ', /^Invalid question file: not JSON \(/],
    ['a missing dataset', JSON.stringify({ questions: [question()] }), /- dataset: /],
    ['no questions', file([]), /- questions: /],
    ['a question without sql, by id', file([question(), question({ id: 'q02', sql: undefined })]), /- question q02: sql: /],
    ['blank sql', file([question({ sql: '  ' })]), /- question q01: sql: must not be blank/],
    ['ordered that is not a boolean', file([question({ ordered: 'yes' })]), /- question q01: ordered: /],
    ['a misspelt key', file([question({ orderd: true })]), /- question q01: .*orderd/],
    ['an unknown top-level key', file([question()], { datset: 'x' }), /- \(file\): .*datset/],
    ['a row of the wrong width', file([question({ expected: { columns: ['a', 'b'], rows: [[1, 2], [3]] } })]), /- question q01: expected\.rows\.1: has 1 values for 2 columns/],
    ['rows that are not arrays', file([question({ expected: { columns: ['a'], rows: [1] } })]), /- question q01: expected\.rows\.0: /],
    ['a duplicate id', file([question(), question()]), /- question q01: id: duplicate id "q01"/],
    ['a question without an id, by position', file([question(), { ...question(), id: undefined }]), /- question #2: id: /],
  ])('refuses %s', (_label, text, message) => {
    expect(() => parseQuestionFile(text)).toThrow(message);
  });

  it('lists every problem at once', () => {
    const text = file([question({ sql: '' }), question({ id: 'q02', ordered: null })]);
    expect(() => parseQuestionFile(text)).toThrow(/question q01: sql: [^\n]+\n\s+- question q02: ordered: /);
  });
});
