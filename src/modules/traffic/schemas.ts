// Validation of limit policies (tiers from the database, path limits from config): once, when they
// are loaded; the limiter then trusts them and caches per policy list.
import { z } from 'zod';
import type { WindowPolicy } from './types.js';

const DAY_MS = 86_400_000;

export const windowPolicySchema = z.strictObject({
    // A short token: it is quoted into RateLimit headers and is part of the Redis key.
    name: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'lowercase letters, digits, "_" or "-", starting with a letter, at most 32'),
    limit: z.number().int().min(1).max(1_000_000_000),
    // Whole seconds: the headers' `w` and `t` have no sub-second precision.
    windowMs: z.number().int().min(1_000).max(31 * DAY_MS).refine((ms) => ms % 1_000 === 0, 'a whole number of seconds'),
    // Bounds memory per key and the Lua script's work per check.
    buckets: z.number().int().min(1).max(1_000).optional(),
});

export const windowPoliciesSchema = z
  .array(windowPolicySchema)
  .min(1)
  .max(8)
  .refine((list) => new Set(list.map((p) => p.name)).size === list.length, 'window names must be unique');

export type PoliciesResult = { readonly ok: true; readonly value: readonly WindowPolicy[] } | { readonly ok: false; readonly violations: readonly string[] };

/** Validates a policy list and freezes it; collects every problem. */
export function parsePolicies(input: unknown): PoliciesResult {
  const parsed = windowPoliciesSchema.safeParse(input);
  if (!parsed.success) {
    return { ok: false, violations: parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(policies)'}: ${i.message}`) };
  }
  return { ok: true, value: Object.freeze(parsed.data.map((p) => Object.freeze({ ...p }))) };
}

/** The limit each instance enforces alone in the `local` failure mode. */
export function dividePolicies(policies: readonly WindowPolicy[], instances: number): readonly WindowPolicy[] {
  return Object.freeze(policies.map((p) => Object.freeze({ ...p, limit: Math.max(1, Math.floor(p.limit / instances)) })));
}
