// Header rendering and policy validation: tables of inputs and the exact output.
import { describe, expect, it } from 'vitest';
import { rateLimitHeaders } from '../../src/modules/traffic/headers.js';
import { dividePolicies, parsePolicies } from '../../src/modules/traffic/schemas.js';
import type { RateLimitResult, WindowPolicy } from '../../src/modules/traffic/types.js';

const policies: WindowPolicy[] = [
  { name: 'minute', limit: 60, windowMs: 60_000 },
  { name: 'hour', limit: 1_000, windowMs: 3_600_000 },
];
const base: RateLimitResult = {
  allowed: true, unavailable: false, window: 'minute', limit: 60, remaining: 59, resetMs: 1_700_000_030_000, retryAfterMs: 0,
  nowMs: 1_700_000_000_000, source: 'redis', windows: [],
};

describe('rateLimitHeaders', () => {
  it.each([
    {
      name: 'allowed',
      result: base,
      headers: {
        'ratelimit-policy': '"minute";q=60;w=60, "hour";q=1000;w=3600',
        ratelimit: '"minute";r=59;t=30',
        'x-ratelimit-limit': '60',
        'x-ratelimit-remaining': '59',
        'x-ratelimit-reset': '1700000030',
      },
    },
    {
      name: 'refused by the hour, sub-second parts rounded up',
      result: { ...base, allowed: false, window: 'hour', limit: 1_000, remaining: 0, resetMs: 1_700_000_100_001, retryAfterMs: 100_001 },
      headers: {
        'ratelimit-policy': '"minute";q=60;w=60, "hour";q=1000;w=3600',
        ratelimit: '"hour";r=0;t=101',
        'x-ratelimit-limit': '1000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': '1700000101',
        'retry-after': '101',
      },
    },
    {
      name: 'unavailable (closed mode): only Retry-After',
      result: { ...base, allowed: false, unavailable: true, window: '', limit: 0, remaining: 0, retryAfterMs: 5_000, source: 'none' as const },
      headers: { 'retry-after': '5' },
    },
    {
      name: 'Retry-After is never 0',
      result: { ...base, allowed: false, remaining: 0, resetMs: base.nowMs + 1, retryAfterMs: 1 },
      headers: { ratelimit: '"minute";r=0;t=1', 'retry-after': '1' },
    },
  ])('$name', ({ result, headers }) => {
    expect(rateLimitHeaders(result, policies)).toMatchObject(headers);
    if (result.unavailable) expect(Object.keys(rateLimitHeaders(result, policies))).toEqual(['retry-after']);
  });

  it('quotes names as Structured Fields strings', () => {
    const odd: WindowPolicy[] = [{ name: 'a"b\\c', limit: 1, windowMs: 500 }];
    expect(rateLimitHeaders({ ...base, window: 'a"b\\c' }, odd)).toMatchObject({ 'ratelimit-policy': '"a\\"b\\\\c";q=1;w=1', ratelimit: '"a\\"b\\\\c";r=59;t=30' });
  });
});

describe('parsePolicies', () => {
  it.each([
    { name: 'tier windows', input: [{ name: 'minute', limit: 500, windowMs: 60_000 }, { name: 'day', limit: 100_000, windowMs: 86_400_000, buckets: 288 }], violations: [] },
    { name: 'empty', input: [], violations: ['(policies): Too small: expected array to have >=1 items'] },
    { name: 'duplicate names', input: [{ name: 'm', limit: 1, windowMs: 1_000 }, { name: 'm', limit: 2, windowMs: 2_000 }], violations: ['(policies): window names must be unique'] },
    { name: 'sub-second window', input: [{ name: 'm', limit: 1, windowMs: 1_500 }], violations: ['0.windowMs: a whole number of seconds'] },
    { name: 'zero limit and unknown key', input: [{ name: 'm', limit: 0, windowMs: 1_000, burst: 3 }], violations: ['0: Unrecognized key: "burst"', '0.limit: Too small: expected number to be >=1'] },
    { name: 'name not a token', input: [{ name: 'Per Minute', limit: 1, windowMs: 1_000 }], violations: ['0.name: lowercase letters, digits, "_" or "-", starting with a letter, at most 32'] },
  ])('$name', ({ input, violations }) => {
    const result = parsePolicies(input);
    if (violations.length === 0) {
      expect(result).toEqual({ ok: true, value: input });
      expect(Object.isFrozen(result.ok && result.value[0])).toBe(true);
    } else {
      expect(result.ok).toBe(false);
      expect(!result.ok && [...result.violations].sort()).toEqual([...violations].sort());
    }
  });
});

describe('dividePolicies', () => {
  it.each([
    { limit: 100, instances: 4, expected: 25 },
    { limit: 10, instances: 4, expected: 2 },
    { limit: 3, instances: 4, expected: 1 },
    { limit: 7, instances: 1, expected: 7 },
  ])('$limit over $instances instances → $expected each', ({ limit, instances, expected }) => {
    expect(dividePolicies([{ name: 'm', limit, windowMs: 60_000 }], instances)).toEqual([{ name: 'm', limit: expected, windowMs: 60_000 }]);
  });
});
