import type { Tier } from '../identity/index.js';
import type { WindowPolicy } from './types.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const MONTH = 30 * DAY;

/** seed 004: requests per minute / hour / day for each tier. */
export const TIER_LIMITS: Record<Tier, { perMinute: number; perHour: number; perDay: number }> = {
  free: { perMinute: 10, perHour: 100, perDay: 1_000 },
  startup: { perMinute: 30, perHour: 500, perDay: 5_000 },
  business: { perMinute: 100, perHour: 2_000, perDay: 20_000 },
  enterprise: { perMinute: 500, perHour: 10_000, perDay: 100_000 },
};

/** Monthly request quota per tier when an organization has no override: 30 days of its daily limit. */
export const MONTHLY_QUOTA_DAYS = 30;

export interface Limits {
  perMinute: number;
  perHour: number;
  quotaDay: number;
  quotaMonth: number;
}

export interface LimitOverride {
  perMinute: number | null;
  perHour: number | null;
  quotaDay: number | null;
  quotaMonth: number | null;
}

export function limitsFor(tier: Tier, override?: LimitOverride): Limits {
  const t = TIER_LIMITS[tier];
  return {
    perMinute: override?.perMinute ?? t.perMinute,
    perHour: override?.perHour ?? t.perHour,
    quotaDay: override?.quotaDay ?? t.perDay,
    quotaMonth: override?.quotaMonth ?? t.perDay * MONTHLY_QUOTA_DAYS,
  };
}

/** Names of the windows that are quotas (answered with QUOTA_EXCEEDED rather than RATE_LIMIT_EXCEEDED). */
export const QUOTA_WINDOWS = new Set(['day', 'month']);

/**
 * The tier's windows for one subject: minute and hour are rate limits, day and month the request
 * quotas. Day and month use finer buckets so the worst-case wait past the window stays short
 * (5 min and 12 h). Each counts under the subject's own scope.
 */
export function tierWindows(scope: string, limits: Limits): WindowPolicy[] {
  return [
    { name: 'minute', limit: limits.perMinute, windowMs: MINUTE, scope },
    { name: 'hour', limit: limits.perHour, windowMs: HOUR, scope },
    { name: 'day', limit: limits.quotaDay, windowMs: DAY, buckets: 288, scope },
    { name: 'month', limit: limits.quotaMonth, windowMs: MONTH, buckets: 60, scope },
  ];
}

/** Per-minute limits of the route buckets (seed 000: auth 10 per address, ask 10, default 60). */
export interface RouteLimits {
  perMinute: number;
  authPerMinute: number;
  askPerMinute: number;
  loginAttempts: number;
  authFailuresPerMinute: number;
}

/** The route bucket's window; it counts under the key of the check it is part of (the caller). */
export function routeWindow(bucket: string, limits: RouteLimits): WindowPolicy {
  const perMinute = bucket === 'auth' ? limits.authPerMinute : bucket === 'ask' ? limits.askPerMinute : limits.perMinute;
  return { name: bucket === 'default' ? 'route' : bucket, limit: perMinute, windowMs: MINUTE };
}

/** Sign-in attempts per account (all attempts: a person needs few, a guesser many). */
export function loginWindow(email: string, attempts: number): WindowPolicy {
  return { name: 'login', limit: attempts, windowMs: 15 * MINUTE, scope: `login:${email.toLowerCase()}` };
}
