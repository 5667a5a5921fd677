import type { Logger } from 'pino';
import type { RedisManager } from '../../platform/redis.js';
import type { Db } from '../../platform/db/index.js';
import { AppError } from '../../platform/errors.js';
import type { Metrics } from '../../platform/metrics.js';
import type { AuditService } from '../audit/index.js';
import type { Principal } from '../identity/index.js';
import type { RateLimiter } from './failover.js';
import { rateLimitHeaders } from './headers.js';
import type { OverrideCache } from './overrides.js';
import { type LimitOverride, QUOTA_WINDOWS, type RouteLimits, limitsFor, loginWindow, routeWindow, tierWindows } from './policies.js';
import type { RateLimitResult, WindowPolicy } from './types.js';

export interface AdmitInput {
  principal: Principal | null;
  ip: string;
  /** The route's bucket: `auth` (per client IP), `ask`, or `default`. */
  bucket: string;
}

export interface TrafficDeps {
  limiter: RateLimiter;
  overrides: OverrideCache;
  audit: AuditService;
  db: Db;
  redis: RedisManager | undefined;
  metrics: Metrics;
  logger: Logger;
  limits: RouteLimits;
}

const EVENT_DEDUPE_MS = 60_000;
const MAX_CACHED_WINDOW_LISTS = 10_000;

/** Who a limit counts against: the API key, else the user, else the client address. */
export function callerKey(principal: Principal | null, ip: string): string {
  if (principal?.apiKeyId) return `key:${principal.apiKeyId}`;
  if (principal) return `user:${principal.userId}`;
  return `ip:${ip}`;
}

export function createTrafficService(deps: TrafficDeps) {
  const decisions = deps.metrics.counter('aureus_rate_limit_decisions_total', 'Rate-limit decisions by policy window and outcome.', ['policy', 'outcome']);
  const recent = new Map<string, number>();

  /** One `rate_limit` security event per caller and window per minute, across instances. */
  async function recordViolation(principal: Principal | null, who: string, result: RateLimitResult): Promise<void> {
    const dedupeKey = `${who}:${result.window}`;
    const now = Date.now();
    if ((recent.get(dedupeKey) ?? 0) > now - EVENT_DEDUPE_MS) return;
    recent.set(dedupeKey, now);
    if (recent.size > 10_000) recent.delete(recent.keys().next().value as string);
    try {
      if (deps.redis) {
        const first = await deps.redis.client.set(`${deps.redis.keyPrefix}rl-event:${dedupeKey}`, '1', 'PX', EVENT_DEDUPE_MS, 'NX');
        if (first !== 'OK') return;
      }
      await deps.db.transaction((tx) =>
        deps.audit.recordSecurityEvent(tx, {
          type: 'rate_limit',
          severity: QUOTA_WINDOWS.has(result.window) ? 'low' : 'medium',
          organizationId: principal?.organizationId ?? null,
          userId: principal?.userId ?? null,
          detail: { caller: who, window: result.window, limit: result.limit, retry_after_ms: result.retryAfterMs },
        }),
      );
    } catch (err) {
      deps.logger.warn({ err_message: (err as Error).message }, 'rate_limit.event_not_recorded');
    }
  }

  function refusal(result: RateLimitResult, headers: Record<string, string>): AppError {
    const retryAfter = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
    if (result.unavailable) {
      return new AppError('SERVICE_UNAVAILABLE', 'Rate limiting is unavailable; try again shortly.', { retryAfterSeconds: retryAfter });
    }
    if (QUOTA_WINDOWS.has(result.window)) {
      return new AppError('QUOTA_EXCEEDED', `The organization's ${result.window === 'day' ? 'daily' : 'monthly'} request quota of ${result.limit} is used up.`, {
        retryAfterSeconds: retryAfter,
        headers,
        details: { quota: result.window, limit: result.limit, resets_at: new Date(result.resetMs).toISOString(), retry_after: retryAfter },
      });
    }
    return new AppError('RATE_LIMIT_EXCEEDED', `Rate limit exceeded: ${result.limit} requests per ${result.window === 'hour' ? 'hour' : 'minute'} (${result.window}).`, {
      retryAfterSeconds: retryAfter,
      headers,
      details: { limit: result.limit, window: result.window, retry_after: retryAfter },
    });
  }

  // Window lists are built once per bucket (anonymous callers) or per bucket, organization and key
  // (principals) and reused: stores, header rendering and the failover wrapper cache their work
  // per list. The route and key windows count under the check's own key (the caller), so they
  // carry no scope and one list serves every caller.
  const anonymous = new Map<string, readonly WindowPolicy[]>();
  interface Cached {
    windows: readonly WindowPolicy[];
    organizationOverride: LimitOverride | undefined;
    keyOverride: LimitOverride | undefined;
  }
  const bySubject = new Map<string, Cached>();

  function windowsFor(bucket: string, principal: Principal | null): readonly WindowPolicy[] {
    if (!principal) {
      let windows = anonymous.get(bucket);
      if (!windows) anonymous.set(bucket, (windows = Object.freeze([routeWindow(bucket, deps.limits)])));
      return windows;
    }
    const organizationOverride = deps.overrides.organization(principal.organizationId);
    const keyOverride = principal.apiKeyId ? deps.overrides.apiKey(principal.apiKeyId) : undefined;
    const cacheKey = `${bucket}\n${principal.organizationId}\n${principal.organizationTier}\n${principal.apiKeyId ?? ''}\n${principal.tier}`;
    const cached = bySubject.get(cacheKey);
    if (cached && cached.organizationOverride === organizationOverride && cached.keyOverride === keyOverride) return cached.windows;
    const windows: WindowPolicy[] = [routeWindow(bucket, deps.limits)];
    windows.push(...tierWindows(`org:${principal.organizationId}`, limitsFor(principal.organizationTier, organizationOverride)));
    if (principal.apiKeyId && (keyOverride || principal.tier !== principal.organizationTier)) {
      const own = limitsFor(principal.tier, keyOverride);
      windows.push({ name: 'key_minute', limit: own.perMinute, windowMs: 60_000 }, { name: 'key_hour', limit: own.perHour, windowMs: 3_600_000 });
    }
    bySubject.delete(cacheKey);
    bySubject.set(cacheKey, { windows: Object.freeze(windows), organizationOverride, keyOverride });
    if (bySubject.size > MAX_CACHED_WINDOW_LISTS) bySubject.delete(bySubject.keys().next().value as string);
    return windows;
  }

  /** Headers for an admitted request; a refusal is recorded (once a minute per caller) and rejected. */
  function settle(principal: Principal | null, who: string, windows: readonly WindowPolicy[], result: RateLimitResult): Record<string, string> | Promise<never> {
    const headers = rateLimitHeaders(result, windows);
    decisions.inc({ policy: result.window, outcome: result.unavailable ? 'unavailable' : result.allowed ? 'allowed' : 'limited' });
    if (result.allowed) return headers;
    if (result.unavailable) return Promise.reject(refusal(result, headers));
    return recordViolation(principal, who, result).then(() => Promise.reject(refusal(result, headers)));
  }

  /** Synchronous when the limiter decides in this process (no promise on that path), else a promise. */
  function decide(principal: Principal | null, who: string, windows: readonly WindowPolicy[]): Record<string, string> | Promise<Record<string, string>> {
    const local = deps.limiter.decideNow(who, windows);
    if (local) return settle(principal, who, windows, local);
    return deps.limiter.check(who, windows).then((result) => settle(principal, who, windows, result));
  }

  return {
    /**
     * One atomic check of every window that applies: the route's per-caller limit (per client IP
     * on auth routes), the organization's tier and quotas, and an API key's own override. Returns
     * the rate-limit headers, synchronously when the decision is local; rejects with 429 (or 503
     * when limits are unavailable and the mode is closed).
     */
    admit(input: AdmitInput): Record<string, string> | Promise<Record<string, string>> {
      const { principal, ip } = input;
      const who = input.bucket === 'auth' ? `ip:${ip}` : callerKey(principal, ip);
      return decide(principal, who, windowsFor(input.bucket, principal));
    },

    /** Unauthenticated failures per client address: guessing keys or tokens is limited too. */
    async failedAuthentication(ip: string): Promise<void> {
      const who = `ip:${ip}`;
      await decide(null, who, [{ name: 'auth_failures', limit: deps.limits.authFailuresPerMinute, windowMs: 60_000, scope: `authfail:${ip}` }]);
    },

    /** Sign-in attempts per account, shared by every instance (replaces identity's in-process limiter). */
    async loginAttempt(email: string, ip: string): Promise<void> {
      await decide(null, `ip:${ip}`, [loginWindow(email, deps.limits.loginAttempts)]);
    },

    limiterState: () => deps.limiter.state(),
  };
}

export type TrafficService = ReturnType<typeof createTrafficService>;
