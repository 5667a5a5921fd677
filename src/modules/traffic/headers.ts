// Response headers for a rate-limit decision, after draft-ietf-httpapi-ratelimit-headers-11 (names in
// lower case, as Fastify stores them, so none is case-folded per request):
//   RateLimit-Policy: "minute";q=60;w=60, "hour";q=1000;w=3600   (every policy, stable)
//   RateLimit: "minute";r=59;t=30                                 (the binding policy only, as the
//                                                                  draft's multi-window example does)
// plus the de-facto X-RateLimit-Limit/-Remaining/-Reset (Reset in epoch seconds, as GitHub does)
// and Retry-After on refusals. Seconds are rounded up: a client that waits the advertised time is
// never early.
import type { RateLimitResult, WindowPolicy } from './types.js';

/** A Structured Fields sf-string (RFC 9651 §3.3.3). */
function sfString(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

// Window names are few (policy names), and one is quoted on every answer.
const quotedNames = new Map<string, string>();

function quotedName(name: string): string {
  let quoted = quotedNames.get(name);
  if (quoted === undefined) {
    quoted = sfString(name);
    if (quotedNames.size < 1_000) quotedNames.set(name, quoted);
  }
  return quoted;
}

const seconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000));

const policyFields = new WeakMap<readonly WindowPolicy[], string>();

function policyField(policies: readonly WindowPolicy[]): string {
  let field = policyFields.get(policies);
  if (field === undefined) {
    field = policies.map((p) => `${quotedName(p.name)};q=${p.limit};w=${Math.max(1, seconds(p.windowMs))}`).join(', ');
    policyFields.set(policies, field);
  }
  return field;
}

/**
 * `policies` are the nominal ones (what RateLimit-Policy advertises); the result may report lower
 * limits (local failure mode), which the draft allows in `r` and which X-RateLimit-Limit shows.
 */
export function rateLimitHeaders(result: RateLimitResult, policies: readonly WindowPolicy[]): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!result.unavailable) {
    headers['ratelimit-policy'] = policyField(policies);
    headers['ratelimit'] = `${quotedName(result.window)};r=${result.remaining};t=${seconds(result.resetMs - result.nowMs)}`;
    headers['x-ratelimit-limit'] = String(result.limit);
    headers['x-ratelimit-remaining'] = String(result.remaining);
    headers['x-ratelimit-reset'] = String(Math.ceil(result.resetMs / 1000));
  }
  if (!result.allowed) headers['retry-after'] = String(Math.max(1, seconds(result.retryAfterMs)));
  return headers;
}
