/**
 * Security headers computed once at start-up and copied onto every response (helmet computes them
 * per request at ~40 µs, which the overhead budget of issue 2 cannot afford).
 */
export type HeaderSet = Readonly<Record<string, string>>;

const COMMON: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-dns-prefetch-control': 'off',
  'x-permitted-cross-domain-policies': 'none',
  'origin-agent-cluster': '?1',
  'cache-control': 'no-store',
};

const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
// The OpenAPI UI loads its own scripts and styles from /docs; nothing from elsewhere.
const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

export interface SecurityHeaders {
  api: HeaderSet;
  docs: HeaderSet;
}

export function buildSecurityHeaders(options: { hsts: boolean }): SecurityHeaders {
  const hsts: Record<string, string> = options.hsts ? { 'strict-transport-security': 'max-age=31536000; includeSubDomains' } : {};
  return {
    api: Object.freeze({ ...COMMON, ...hsts, 'content-security-policy': API_CSP }),
    docs: Object.freeze({ ...COMMON, ...hsts, 'content-security-policy': DOCS_CSP }),
  };
}
