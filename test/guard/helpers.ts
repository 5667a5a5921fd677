// Shared fixtures for the guard suites: the demo policy, the corpora and one loaded guard.
import { readFileSync } from 'node:fs';
import { createGuard, type Guard, type Policy, type Verdict } from '../../src/modules/guard/index.js';

export const FIXTURES = new URL('./fixtures/', import.meta.url);

export function loadJson<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as T;
}

export const policy = loadJson<Policy>('policy.json');

export interface RefusedCase {
  readonly class: string;
  readonly code: string;
  readonly sql: string;
}

export interface AcceptedCase {
  readonly feature: string;
  readonly sql: string;
}

export const refusedCorpus = loadJson<RefusedCase[]>('refused.json');
export const acceptedCorpus = loadJson<AcceptedCase[]>('accepted.json');

let shared: Promise<Guard> | undefined;

/** One guard per test file; the cache is disabled so every call exercises the analysis. */
export function loadGuard(): Promise<Guard> {
  shared ??= createGuard({ cacheSize: 0 });
  return shared;
}

export function codesOf(v: Verdict): string[] {
  return v.violations.map((x) => x.code);
}

/** The policy with overrides, as a new object (policies are compiled per object). */
export function policyWith(overrides: Partial<Policy>): Policy {
  return { ...policy, ...overrides };
}
