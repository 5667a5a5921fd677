/**
 * Security headers computed once at start-up and copied onto every response (helmet computes them
 * per request at ~40 µs, which the overhead budget of issue 2 cannot afford).
 */
export type HeaderSet = Readonly<Record<string, string>>;

// DESIGN.md §3's set, on every response. Each header is work on every answer (Fastify, Node's
// validation, the client's parser), so helmet's extras that only mean something in an HTML page
// (DNS prefetching, cross-domain policy files, origin-keyed agent clusters) go on the docs UI only.
const COMMON: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

const HTML_ONLY: Record<string, string> = {
  'x-dns-prefetch-control': 'off',
  'x-permitted-cross-domain-policies': 'none',
  'origin-agent-cluster': '?1',
};

// OWASP's policy for JSON APIs: nothing may load, nothing may frame.
const API_CSP = "default-src 'none'; frame-ancestors 'none'";
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
    docs: Object.freeze({ ...COMMON, ...HTML_ONLY, ...hsts, 'content-security-policy': DOCS_CSP }),
  };
}
