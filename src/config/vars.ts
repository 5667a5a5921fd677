import { z } from 'zod';

/**
 * Every environment variable Aureus reads, in one table: its parser, default, and meaning.
 * `loadConfig` parses them, `.env.example` and docs/config.md are generated from this table
 * (test/config/docs.test.ts fails when either is stale).
 */
export interface VarSpec {
  group: string;
  doc: string;
  schema: z.ZodType;
  /** Default as the text an operator would write; absent = unset unless given. */
  default?: string;
  /** Secrets have no default and are never printed. */
  secret?: boolean;
}

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'].includes(v), 'expected true or false')
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const list = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter((s) => s.length > 0));
const optionalText = z.string().trim().min(1).optional();
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export const VARS = {
  ENVIRONMENT: {
    group: 'Runtime',
    doc: 'development, test or production. Production refuses embedded defaults and unsafe settings.',
    schema: z.enum(['development', 'test', 'production']),
    default: 'development',
  },
  HOST: { group: 'Runtime', doc: 'Interface to listen on (0.0.0.0 in containers).', schema: z.string().min(1), default: '127.0.0.1' },
  PORT: { group: 'Runtime', doc: 'TCP port of the HTTP API.', schema: int(0, 65535), default: '8000' },
  DATA_DIR: {
    group: 'Runtime',
    doc: 'Folder for embedded state: PGlite metadata store, demo dataset, evidence, keys.',
    schema: z.string().min(1),
    default: './.aureus',
  },
  EXPECTED_INSTANCES: {
    group: 'Runtime',
    doc: 'How many Aureus processes share the metadata database (API + worker); used for pool checks.',
    schema: int(1, 1000),
    default: '1',
  },
  SHUTDOWN_TIMEOUT_MS: {
    group: 'Runtime',
    doc: 'Longest graceful shutdown before the process exits anyway.',
    schema: int(100, 600_000),
    default: '10000',
  },

  DATABASE_URL: {
    group: 'Metadata store',
    doc: 'PostgreSQL URL of the metadata store. Unset outside production: embedded PGlite in DATA_DIR.',
    schema: z.url().optional(),
    secret: true,
  },
  DATABASE_POOL_SIZE: { group: 'Metadata store', doc: 'Connections per process.', schema: int(1, 500), default: '10' },
  DATABASE_STATEMENT_TIMEOUT_MS: {
    group: 'Metadata store',
    doc: 'statement_timeout for metadata queries.',
    schema: int(100, 600_000),
    default: '10000',
  },
  DATABASE_ECHO: {
    group: 'Metadata store',
    doc: 'Log metadata SQL text at debug level (never parameters). Refused in production.',
    schema: bool,
    default: 'false',
  },

  REDIS_URL: {
    group: 'Redis',
    doc: 'Redis URL for shared rate limits, cache, revocation and the job queue. Required in production.',
    schema: z.url().optional(),
    secret: true,
  },
  REDIS_KEY_PREFIX: { group: 'Redis', doc: 'Prefix for every Redis key Aureus writes.', schema: z.string().min(1), default: 'aureus:' },
  REDIS_COMMAND_TIMEOUT_MS: {
    group: 'Redis',
    doc: 'Per-command timeout; a hung Redis fails fast instead of holding requests.',
    schema: int(5, 60_000),
    default: '250',
  },

  JWT_SECRET_KEY: {
    group: 'Secrets',
    doc: 'HMAC key for access tokens, at least 32 bytes. Required in production.',
    schema: optionalText,
    secret: true,
  },
  JWT_PREVIOUS_SECRET_KEYS: {
    group: 'Secrets',
    doc: 'Comma-separated former JWT keys, still accepted for verification while their tokens expire (key rotation).',
    schema: list.optional(),
    secret: true,
  },
  ENCRYPTION_KEY: {
    group: 'Secrets',
    doc: '32-byte key (base64 or 64 hex characters) for data at rest. Required in production.',
    schema: optionalText,
    secret: true,
  },

  ADMIN_EMAIL: {
    group: 'Bootstrap',
    doc: 'Email of the first admin, created on first start when no user exists.',
    schema: z.email(),
    default: 'admin@aureus.local',
  },
  ADMIN_PASSWORD: {
    group: 'Bootstrap',
    doc: 'Password of the first admin. Unset: one is generated and printed once to the console.',
    schema: optionalText,
    secret: true,
  },
  ADMIN_ORGANIZATION: {
    group: 'Bootstrap',
    doc: 'Name of the organization created with the first admin.',
    schema: z.string().trim().min(1).max(100),
    default: 'Default',
  },

  LOG_LEVEL: { group: 'Logging', doc: 'fatal, error, warn, info, debug, trace or silent; changeable at runtime.', schema: logLevel, default: 'info' },
  LOG_FORMAT: { group: 'Logging', doc: 'json (one object a line) or text (human-readable).', schema: z.enum(['json', 'text']), default: 'json' },
  LOG_SKIP_PATHS: {
    group: 'Logging',
    doc: 'Comma-separated paths left out of access logs.',
    schema: list,
    default: '/health,/health/live,/health/ready,/metrics',
  },
  SLOW_REQUEST_MS: { group: 'Logging', doc: 'Requests slower than this are logged at warn.', schema: int(1, 600_000), default: '1000' },

  CORS_ORIGINS: {
    group: 'HTTP',
    doc: 'Comma-separated absolute origins allowed by CORS (https://app.example.com). Empty: CORS off.',
    schema: list,
    default: '',
  },
  AUTH_REDIRECT_URIS: {
    group: 'HTTP',
    doc: 'Comma-separated URLs browsers may be sent back to after sign-in or sign-out; https only in production.',
    schema: list,
    default: '',
  },
  TRUSTED_PROXIES: {
    group: 'HTTP',
    doc: 'Comma-separated proxy addresses or CIDRs whose X-Forwarded-For/-Proto are believed. Empty: none.',
    schema: list,
    default: '',
  },
  FORCE_HTTPS: {
    group: 'HTTP',
    doc: 'Redirect plain-HTTP requests (as told by a trusted proxy) to https.',
    schema: bool,
    default: 'false',
  },
  MAX_BODY_BYTES: { group: 'HTTP', doc: 'Largest request body accepted; larger is 413.', schema: int(1024, 100 * 1024 * 1024), default: '1048576' },
  METRICS_TOKEN: {
    group: 'HTTP',
    doc: 'When set, /metrics requires `Authorization: Bearer <token>`.',
    schema: optionalText,
    secret: true,
  },

  CACHE_ENABLED: { group: 'Cache', doc: 'Cache query results (Redis, or memory without Redis).', schema: bool, default: 'true' },
  CACHE_DEFAULT_TTL: { group: 'Cache', doc: 'Cache entry lifetime in seconds.', schema: int(1, 86_400 * 30), default: '300' },

  KILL_SWITCH: {
    group: 'Operations',
    doc: 'true forces the kill switch on: no new queries on any instance until unset.',
    schema: bool,
    default: 'false',
  },
  KILL_SWITCH_POLL_MS: {
    group: 'Operations',
    doc: 'How often each instance re-reads the stored kill switch.',
    schema: int(50, 10_000),
    default: '500',
  },
  QUEUE_CONCURRENCY: { group: 'Operations', doc: 'Jobs one worker process runs at once.', schema: int(1, 256), default: '4' },

  MAX_SQL_BYTES: { group: 'Query', doc: 'Largest SQL text the guard will parse; larger is refused.', schema: int(64, 10 * 1024 * 1024), default: '102400' },
} satisfies Record<string, VarSpec>;

export type VarName = keyof typeof VARS;
export type RawVars = { [K in VarName]: z.output<(typeof VARS)[K]['schema']> };
