// RFC 8785 (JCS) canonical JSON: the RFC's own examples (§3.2.2–3.2.4 and the Appendix B number
// table), the cyberphone/json-canonicalization test data, and what the wrapper refuses.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalBytes, canonicalJson } from '../../src/modules/audit/canonical.js';

function canonical(value: unknown): string {
  const result = canonicalJson(value);
  if (!result.ok) throw new Error(result.reason);
  return result.value;
}

function fromIeeeHex(bits: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${bits}`));
  return view.getFloat64(0);
}

describe('RFC 8785 examples', () => {
  it('§3.2.2 → §3.2.4: the sample object serialises to the published UTF-8 bytes', () => {
    const input = String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`;
    const published = [
      '7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72',
      '75 65 2c 66 61 6c 73 65 5d 2c 22 6e 75 6d 62 65 72 73 22 3a',
      '5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31',
      '65 2b 33 30 2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37',
      '5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30 30',
      '30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d',
    ].join(' ');
    const bytes = canonicalBytes(JSON.parse(input));
    expect(bytes.ok && bytes.value.toString('hex').replace(/(..)(?!$)/g, '$1 ')).toBe(published);
  });

  it('§3.2.3: properties sort by UTF-16 code units, not code points', () => {
    const input = String.raw`{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One",
      "\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}`;
    // Compared as text: parsing it back would list the integer-like key "1" first, as JS objects do.
    expect(canonical(JSON.parse(input))).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it.each([
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ])('Appendix B: IEEE 754 %s → %s', (bits, text) => {
    expect(canonical(fromIeeeHex(bits))).toBe(text);
  });

  it.each([['7fffffffffffffff'], ['7ff0000000000000'], ['fff0000000000000']])('Appendix B: %s (NaN or ±Infinity) is refused', (bits) => {
    expect(canonicalJson(fromIeeeHex(bits)).ok).toBe(false);
  });
});

describe('cyberphone/json-canonicalization test data', () => {
  it.each([
    [
      'values.json',
      String.raw`{"numbers": [1E30, 4.50, 333333333.33333329, 2e-3, 0.000000000000000000000000001],
        "escaping": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/", "literals": [null, true, false]}`,
      '{"escaping":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/","literals":[null,true,false],"numbers":[1e+30,4.5,333333333.3333333,0.002,1e-27]}',
    ],
    [
      'weird.json',
      String.raw`{"\u20ac": "Euro Sign", "1": "One", "\u0080": "Control\u007f", "\ud83d\ude02": "Smiley",
        "\u00f6": "Latin Small Letter O With Diaeresis", "\ufb33": "Hebrew Letter Dalet With Dagesh", "</script>": "Browser Challenge"}`,
      '{"1":"One","</script>":"Browser Challenge","\u0080":"Control\u007f","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude02":"Smiley","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    ],
    [
      'structures.json',
      '{"1": {"f": {"f": "hi","F": 5} ,"\\n": 56.0}, "10": { }, "": "empty", "a": { }, "111": [ { } ], "A": { }}',
      '{"":"empty","1":{"\\n":56,"f":{"F":5,"f":"hi"}},"10":{},"111":[{}],"A":{},"a":{}}',
    ],
    [
      'french.json',
      '{"peach": "This sorting order", "p\u00e9ch\u00e9": "is wrong according to French", "p\u00eache": "but canonicalization MUST", "sin": "ingnore locale"}',
      '{"peach":"This sorting order","p\u00e9ch\u00e9":"is wrong according to French","p\u00eache":"but canonicalization MUST","sin":"ingnore locale"}',
    ],
  ])('%s', (_name, input, output) => {
    expect(canonical(JSON.parse(input))).toBe(output);
  });
});

describe('the wrapper', () => {
  it('leaves out object properties that are undefined, as JSON does', () => {
    expect(canonical({ b: 1, a: undefined, c: { d: undefined } })).toBe('{"b":1,"c":{}}');
  });

  it('accepts objects without a prototype', () => {
    const bare = Object.assign(Object.create(null) as object, { z: 1, y: [true] });
    expect(canonical(bare)).toBe('{"y":[true],"z":1}');
  });

  const circular: Record<string, unknown> = {};
  circular.self = circular;
  let deep: unknown = 1;
  for (let i = 0; i < 150; i++) deep = [deep];
  const shared = { x: 1 };

  it.each([
    ['undefined at the top', undefined, '$: undefined is not JSON data'],
    ['an undefined array element', [1, undefined], '$[1]: undefined or missing array element'],
    ['a hole in an array', [1, , 3], '$[1]: undefined or missing array element'], // eslint-disable-line no-sparse-arrays
    ['a function', { f: () => 1 }, '$.f: function is not JSON data'],
    ['a symbol value', { s: Symbol('s') }, '$.s: symbol is not JSON data'],
    ['a symbol key', { [Symbol('k')]: 1 }, '$: symbol keys are not JSON data'],
    ['a bigint', { n: 10n }, '$.n: bigint is not JSON data'],
    ['NaN', { n: Number.NaN }, '$.n: NaN is not a JSON number'],
    ['Infinity', [Number.POSITIVE_INFINITY], '$[0]: Infinity is not a JSON number'],
    ['a Date (microseconds from PostgreSQL would be lost)', { at: new Date(0) }, '$.at: only plain objects are JSON data (got Date)'],
    ['a Map', new Map(), '$: only plain objects are JSON data (got Map)'],
    ['a class instance', new (class Event {})(), '$: only plain objects are JSON data (got Event)'],
    ['a lone high surrogate', { s: 'a\ud800' }, '$.s: string has a lone surrogate'],
    ['a lone low surrogate in a key', { '\udc00': 1 }, '$: a key has a lone surrogate'],
    ['a circular reference', circular, '$.self: circular reference'],
    ['nesting deeper than 100', deep, expect.stringMatching(/nested deeper than 100$/)],
  ])('refuses %s', (_name, value, reason) => {
    expect(canonicalJson(value)).toEqual({ ok: false, reason });
  });

  it('accepts the same object twice when it is not its own ancestor', () => {
    expect(canonical({ a: shared, b: [shared] })).toBe('{"a":{"x":1},"b":[{"x":1}]}');
  });

  it('is idempotent and sorts keys for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const once = canonical(value);
        expect(canonical(JSON.parse(once))).toBe(once);
      }),
      { numRuns: 300 },
    );
  });

  it('gives UTF-8 bytes of the text', () => {
    const bytes = canonicalBytes({ euro: '\u20ac' });
    expect(bytes.ok && bytes.value.toString('hex')).toBe(Buffer.from('{"euro":"\u20ac"}', 'utf8').toString('hex'));
  });
});
