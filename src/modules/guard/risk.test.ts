import { describe, expect, it } from 'vitest';
import { riskScore, type RiskFactors } from './risk.js';

const SAFE: RiskFactors = {
  piiColumns: 0, relations: 1, unbounded: false, noOwnLimit: false, cartesian: false, unfilteredScan: false, starUsed: false,
};

describe('riskScore', () => {
  it.each([
    ['a limited read of one table', {}, 0],
    ['no LIMIT of its own, policy cap applies', { noOwnLimit: true }, 0.05],
    ['no bound at all', { noOwnLimit: true, unbounded: true }, 0.15],
    ['one PII column', { piiColumns: 1 }, 0.3],
    ['three PII columns', { piiColumns: 3 }, 0.4],
    ['PII extra capped', { piiColumns: 20 }, 0.5],
    ['three relations', { relations: 3 }, 0.1],
    ['relations capped', { relations: 30 }, 0.2],
    ['cartesian product', { cartesian: true }, 0.2],
    ['unfiltered scan with *', { unfilteredScan: true, starUsed: true }, 0.15],
    ['everything, capped below 1', { piiColumns: 9, relations: 9, unbounded: true, noOwnLimit: true, cartesian: true, unfilteredScan: true, starUsed: true }, 0.99],
  ] as const)('%s → %s', (_label, factors, expected) => {
    expect(riskScore({ ...SAFE, ...factors })).toBe(expected);
  });
});
