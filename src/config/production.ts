import { createPrivateKey } from 'node:crypto';
import type { RawVars } from './vars.js';

const PLACEHOLDER_SECRETS = ['changeme', 'change-me', 'secret', 'password', 'default', 'example', 'test'];

/** Bytes of a key given as 64 hex characters or base64; undefined when it is neither. */
export function decodeKey(text: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    const bytes = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    return bytes.length > 0 ? bytes : undefined;
  }
  return undefined;
}

function weakSecret(text: string): string | undefined {
  if (Buffer.byteLength(text, 'utf8') < 32) return 'must be at least 32 bytes';
  const lower = text.toLowerCase();
  if (PLACEHOLDER_SECRETS.some((p) => lower.includes(p))) return 'looks like a placeholder';
  if (new Set(text).size < 10) return 'has too little variety to be random';
  return undefined;
}

// DER header of a PKCS#8 Ed25519 key around a bare 32-byte seed (RFC 8410).
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * Whether AUDIT_SIGNING_KEY can be read, in the forms docs/audit.md lists. The audit module parses
 * it again with reasons; checking here lets start-up report it with every other problem.
 */
function readableEd25519Key(text: string): boolean {
  const trimmed = text.trim();
  try {
    if (trimmed.startsWith('-----BEGIN')) return createPrivateKey(trimmed.replaceAll('\\n', '\n')).asymmetricKeyType === 'ed25519';
    const der = Buffer.from(trimmed, 'base64');
    if (der.toString('base64') !== trimmed) return false;
    const full = der.length === 32 ? Buffer.concat([ED25519_PKCS8_PREFIX, der]) : der;
    return createPrivateKey({ key: full, format: 'der', type: 'pkcs8' }).asymmetricKeyType === 'ed25519';
  } catch {
    return false;
  }
}

/** A CORS origin must be an absolute http(s) origin: no wildcard, path, query or empty host. */
export function corsOriginProblem(origin: string): string | undefined {
  if (origin.includes('*')) return 'wildcards are not allowed';
  if (origin.startsWith('//')) return 'protocol-relative origins are not allowed';
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be http or https';
  if (url.hostname === '') return 'has an empty host';
  if (url.username || url.password) return 'must not carry credentials';
  if (origin.replace(/\/$/, '') !== url.origin) return 'must be an origin only (no path, query or fragment)';
  return undefined;
}

function redirectProblem(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol !== 'https:') return 'must use https';
  if (['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)) return 'must not point at localhost';
  return undefined;
}

/** Rules that hold in every environment, plus the production refusals of seed 001. */
export function productionProblems(v: RawVars): string[] {
  const problems: string[] = [];
  for (const origin of v.CORS_ORIGINS) {
    const p = corsOriginProblem(origin);
    if (p) problems.push(`CORS_ORIGINS: ${JSON.stringify(origin)} ${p}`);
  }
  if (v.ENCRYPTION_KEY !== undefined && decodeKey(v.ENCRYPTION_KEY)?.length !== 32) {
    problems.push('ENCRYPTION_KEY: must be 32 bytes as base64 or 64 hex characters');
  }
  if ((v.S3_ACCESS_KEY_ID === undefined) !== (v.S3_SECRET_ACCESS_KEY === undefined)) {
    problems.push('S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY: give both or neither (neither: the SDK\'s default credentials)');
  }
  if (v.S3_ENDPOINT !== undefined && v.S3_BUCKET === undefined) problems.push('S3_ENDPOINT: set S3_BUCKET too, or leave both unset');
  if (v.AUDIT_SIGNING_KEY !== undefined && !readableEd25519Key(v.AUDIT_SIGNING_KEY)) {
    problems.push('AUDIT_SIGNING_KEY: not an Ed25519 private key (PKCS#8 PEM, base64 DER or base64 32-byte seed)');
  }
  if (v.LLM_MODEL !== undefined && v.OPENAI_BASE_URL === undefined && v.OPENAI_API_KEY === undefined) {
    problems.push('LLM_MODEL: set OPENAI_BASE_URL (a local or private endpoint) or OPENAI_API_KEY (api.openai.com), or unset LLM_MODEL');
  }
  if (v.LLM_BREAKER_FAILURES > v.LLM_BREAKER_MIN_CALLS) problems.push('LLM_BREAKER_FAILURES: cannot exceed LLM_BREAKER_MIN_CALLS (the window it counts in)');
  if (v.ENVIRONMENT !== 'production') return problems;

  if (!v.DATABASE_URL) problems.push('DATABASE_URL: required in production (the embedded PGlite store is for development)');
  if (!v.REDIS_URL) problems.push('REDIS_URL: required in production (shared rate limits, revocation, job queue)');
  if (!v.JWT_SECRET_KEY) problems.push('JWT_SECRET_KEY: required in production');
  else {
    const weak = weakSecret(v.JWT_SECRET_KEY);
    if (weak) problems.push(`JWT_SECRET_KEY: ${weak}`);
  }
  if (!v.ENCRYPTION_KEY) problems.push('ENCRYPTION_KEY: required in production');
  else {
    const key = decodeKey(v.ENCRYPTION_KEY);
    if (key?.length === 32 && new Set(key).size < 16) problems.push('ENCRYPTION_KEY: has too little variety to be random');
  }
  if (!v.AUDIT_SIGNING_KEY) problems.push('AUDIT_SIGNING_KEY: required in production (a generated key would sign checkpoints no auditor can trust)');
  if (!v.S3_BUCKET) problems.push('S3_BUCKET: required in production (evidence packs go to a write-once bucket, not a local folder)');
  if (v.RATE_LIMIT_REDIS_FAILURE === 'fallback') {
    problems.push('RATE_LIMIT_REDIS_FAILURE: fallback would let each instance admit the full limit during a Redis outage; choose closed or local');
  }
  if (v.DATABASE_ECHO) problems.push('DATABASE_ECHO: must be false in production (SQL would reach the logs)');
  for (const uri of v.AUTH_REDIRECT_URIS) {
    const p = redirectProblem(uri);
    if (p) problems.push(`AUTH_REDIRECT_URIS: ${JSON.stringify(uri)} ${p}`);
  }
  return problems;
}
