import { describe, expect, it } from 'vitest';
import { ConfigError, configFrom, loadConfig } from '../../src/config/index.js';

const STRONG_JWT = 'Zq8rT2vL9xW4mN7pK3sD6fG1hJ5cV0bY-u_eA';
const STRONG_KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 11) % 256)).toString('base64');
const PRODUCTION = {
  ENVIRONMENT: 'production',
  DATABASE_URL: 'postgres://aureus@db.internal:5432/aureus',
  REDIS_URL: 'redis://cache.internal:6379',
  JWT_SECRET_KEY: STRONG_JWT,
  ENCRYPTION_KEY: STRONG_KEY,
  // RFC 8032 §7.1 TEST 1 seed, base64: a well-formed key, never a real one.
  AUDIT_SIGNING_KEY: Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex').toString('base64'),
  S3_BUCKET: 'aureus-evidence',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  it('runs on embedded defaults with no configuration at all', () => {
    const config = loadConfig({});
    expect(config.environment).toBe('development');
    expect(config.http).toMatchObject({ host: '127.0.0.1', port: 8000, maxBodyBytes: 1_048_576 });
    expect(config.database.url).toBeUndefined();
    expect(config.dataDir).toBe('./.aureus');
    expect(Object.isFrozen(config.http)).toBe(true);
  });

  it('accepts a complete production configuration', () => {
    expect(problemsOf(PRODUCTION)).toEqual([]);
  });

  it('reports every malformed variable at once, naming each', () => {
    const problems = problemsOf({ PORT: 'eighty', LOG_LEVEL: 'loud', FORCE_HTTPS: 'maybe', ENVIRONMENT: 'staging' });
    expect(problems.map((p) => p.split('=')[0])).toEqual(['ENVIRONMENT', 'PORT', 'LOG_LEVEL', 'FORCE_HTTPS']);
  });

  it('never prints a secret value in a problem', () => {
    const problems = problemsOf({ DATABASE_URL: 'not a url with password hunter2' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('DATABASE_URL=(hidden)');
    expect(problems.join()).not.toContain('hunter2');
  });

  it.each([
    ['embedded metadata store', { DATABASE_URL: '' }, 'DATABASE_URL: required in production'],
    ['missing Redis', { REDIS_URL: '' }, 'REDIS_URL: required in production'],
    ['missing JWT key', { JWT_SECRET_KEY: '' }, 'JWT_SECRET_KEY: required in production'],
    ['short JWT key', { JWT_SECRET_KEY: 'short-but-random-Qx7' }, 'JWT_SECRET_KEY: must be at least 32 bytes'],
    ['placeholder JWT key', { JWT_SECRET_KEY: 'changeme-changeme-changeme-changeme!' }, 'JWT_SECRET_KEY: looks like a placeholder'],
    ['repetitive JWT key', { JWT_SECRET_KEY: 'abababababababababababababababababab' }, 'JWT_SECRET_KEY: has too little variety'],
    ['missing encryption key', { ENCRYPTION_KEY: '' }, 'ENCRYPTION_KEY: required in production'],
    ['short encryption key', { ENCRYPTION_KEY: Buffer.alloc(16, 7).toString('base64') }, 'ENCRYPTION_KEY: must be 32 bytes'],
    ['zero encryption key', { ENCRYPTION_KEY: '0'.repeat(64) }, 'ENCRYPTION_KEY: has too little variety'],
    ['DATABASE_ECHO on', { DATABASE_ECHO: 'true' }, 'DATABASE_ECHO: must be false in production'],
    ['memory fallback for rate limits', { RATE_LIMIT_REDIS_FAILURE: 'fallback' }, 'RATE_LIMIT_REDIS_FAILURE: fallback would let each instance'],
    ['missing audit signing key', { AUDIT_SIGNING_KEY: '' }, 'AUDIT_SIGNING_KEY: required in production'],
    ['unreadable audit signing key', { AUDIT_SIGNING_KEY: 'bm90IGEga2V5' }, 'AUDIT_SIGNING_KEY: not an Ed25519 private key'],
    ['missing evidence bucket', { S3_BUCKET: '' }, 'S3_BUCKET: required in production'],
    ['half the S3 credentials', { S3_ACCESS_KEY_ID: 'AKIAEXAMPLE' }, 'S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY: give both or neither'],
    ['wildcard CORS', { CORS_ORIGINS: '*' }, 'wildcards are not allowed'],
    ['wildcard subdomain CORS', { CORS_ORIGINS: 'https://*.example.com' }, 'wildcards are not allowed'],
    ['protocol-relative CORS', { CORS_ORIGINS: '//app.example.com' }, 'protocol-relative'],
    ['CORS with a path', { CORS_ORIGINS: 'https://app.example.com/admin' }, 'must be an origin only'],
    ['CORS without scheme', { CORS_ORIGINS: 'app.example.com' }, 'is not an absolute URL'],
    ['CORS on another scheme', { CORS_ORIGINS: 'ftp://app.example.com' }, 'must be http or https'],
    ['http redirect URI', { AUTH_REDIRECT_URIS: 'http://app.example.com/callback' }, 'AUTH_REDIRECT_URIS: "http://app.example.com/callback" must use https'],
    ['localhost redirect URI', { AUTH_REDIRECT_URIS: 'https://localhost/cb' }, 'must not point at localhost'],
  ])('production refuses %s', (_name, change, expected) => {
    const problems = problemsOf({ ...PRODUCTION, ...change });
    expect(problems.some((p) => p.includes(expected)), problems.join('\n')).toBe(true);
  });

  it('reports all production problems together', () => {
    const problems = problemsOf({ ENVIRONMENT: 'production', DATABASE_ECHO: 'true', CORS_ORIGINS: '*,https://ok.example.com' });
    expect(problems).toEqual([
      'CORS_ORIGINS: "*" wildcards are not allowed',
      'DATABASE_URL: required in production (the embedded PGlite store is for development)',
      'REDIS_URL: required in production (shared rate limits, revocation, job queue)',
      'JWT_SECRET_KEY: required in production',
      'ENCRYPTION_KEY: required in production',
      'AUDIT_SIGNING_KEY: required in production (a generated key would sign checkpoints no auditor can trust)',
      'S3_BUCKET: required in production (evidence packs go to a write-once bucket, not a local folder)',
      'DATABASE_ECHO: must be false in production (SQL would reach the logs)',
    ]);
  });

  it('shapes the audit and evidence-bucket settings', () => {
    const config = configFrom({ S3_BUCKET: 'evidence', S3_ENDPOINT: 'http://127.0.0.1:9000', S3_FORCE_PATH_STYLE: 'true', S3_ACCESS_KEY_ID: 'id', S3_SECRET_ACCESS_KEY: 'secret' });
    expect(config.audit).toEqual({ signingKey: undefined, checkpointIntervalMs: 5000, retentionDays: 2557 });
    expect(config.s3).toEqual({ endpoint: 'http://127.0.0.1:9000', bucket: 'evidence', region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'id', secretAccessKey: 'secret' } });
    expect(configFrom({}).s3).toBeUndefined();
    expect(problemsOf({ S3_ENDPOINT: 'http://127.0.0.1:9000' })).toEqual(['S3_ENDPOINT: set S3_BUCKET too, or leave both unset']);
  });

  it('checks CORS origins in development too', () => {
    expect(problemsOf({ CORS_ORIGINS: 'https://ok.example.com,https://bad.example.com/x' })).toEqual([
      'CORS_ORIGINS: "https://bad.example.com/x" must be an origin only (no path, query or fragment)',
    ]);
    expect(configFrom({ CORS_ORIGINS: 'https://a.example.com, http://localhost:3000' }).http.corsOrigins).toEqual([
      'https://a.example.com',
      'http://localhost:3000',
    ]);
  });
});
