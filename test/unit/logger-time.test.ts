// The log timestamp formatted once per second must write exactly what pino's isoTime writes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createIsoTime } from '../../src/platform/logger.js';

const expected = (ms: number) => `,"time":"${new Date(Math.floor(ms)).toISOString()}"`;

describe('createIsoTime', () => {
  it.each([0, 1, 9, 10, 99, 100, 999, 1_000, 1_001, 1_700_000_000_123, 1_700_000_000_999, 1_700_000_001_000, 253_402_300_799_999, 253_402_300_800_000, -1, -1_001, 1.5])(
    'writes %s ms as toISOString does',
    (ms) => {
      expect(createIsoTime(() => ms)()).toBe(expected(ms));
    },
  );

  it('stays exact across second boundaries on a clock that moves either way', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -2_000_000_000_000, max: 4_000_000_000_000 }), { minLength: 1, maxLength: 50 }), (times) => {
        let now = 0;
        const iso = createIsoTime(() => now);
        for (const t of times.flatMap((t) => [t, t + 1, t + 999, t - 1])) {
          now = t;
          expect(iso()).toBe(expected(t));
        }
      }),
    );
  });
});
