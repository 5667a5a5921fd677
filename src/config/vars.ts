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

  RATE_LIMIT_PER_MINUTE: {
    group: 'Traffic',
    doc: 'Default requests per minute per caller on routes without a stricter limit (auth and ask routes: 10).',
    schema: int(1, 1_000_000),
    default: '60',
  },
  RATE_LIMIT_AUTH_PER_MINUTE: {
    group: 'Traffic',
    doc: 'Requests per minute per client address on /v1/auth/* (seed 000: 10).',
    schema: int(1, 1_000_000),
    default: '10',
  },
  RATE_LIMIT_ASK_PER_MINUTE: {
    group: 'Traffic',
    doc: 'Natural-language questions per minute per caller on /v1/query/ask (seed 000: 10).',
    schema: int(1, 1_000_000),
    default: '10',
  },
  RATE_LIMIT_LOGIN_ATTEMPTS: {
    group: 'Traffic',
    doc: 'Sign-in attempts per account per 15 minutes, across all instances.',
    schema: int(1, 1_000_000),
    default: '10',
  },
  RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: {
    group: 'Traffic',
    doc: 'Rejected credentials (bad tokens or keys) per client address per minute before answers turn to 429.',
    schema: int(1, 1_000_000),
    default: '30',
  },
  RATE_LIMIT_REDIS_FAILURE: {
    group: 'Traffic',
    doc: 'While Redis is unreachable: fallback (each instance counts in memory at full limits; the default outside production, refused in production), closed (503; the production default) or local (each instance enforces limit ÷ EXPECTED_INSTANCES).',
    schema: z.enum(['fallback', 'closed', 'local']).optional(),
  },
  RATE_LIMIT_REDIS_TIMEOUT_MS: {
    group: 'Traffic',
    doc: 'Longest a rate-limit check waits for Redis before the failure rule applies.',
    schema: int(5, 5_000),
    default: '50',
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

  AUDIT_SIGNING_KEY: {
    group: 'Audit',
    doc: 'Ed25519 private key that signs audit checkpoints and evidence packs (PKCS#8 PEM, PEM with literal \\n, base64 DER, or base64 of the 32-byte seed). Required in production; otherwise generated on first start and kept in the metadata store.',
    schema: optionalText,
    secret: true,
  },
  AUDIT_CHECKPOINT_INTERVAL_MS: {
    group: 'Audit',
    doc: 'Longest time between signed checkpoints while there are new audit events.',
    schema: int(10, 3_600_000),
    default: '5000',
  },
  AUDIT_RETENTION_DAYS: {
    group: 'Audit',
    doc: 'Sealed audit events older than this are dropped by the daily retention job, in whole ranges under a signed truncation record (default: 7 years).',
    schema: int(1, 36_500),
    default: '2557',
  },

  S3_ENDPOINT: {
    group: 'Evidence storage',
    doc: 'S3-compatible endpoint URL for evidence packs (MinIO, Ceph, …). Unset with S3_BUCKET set: AWS S3.',
    schema: z.url().optional(),
  },
  S3_BUCKET: {
    group: 'Evidence storage',
    doc: 'Bucket for write-once evidence packs (object lock is used when the bucket has it). Required in production; unset elsewhere: the folder DATA_DIR/evidence.',
    schema: optionalText,
  },
  S3_ACCESS_KEY_ID: {
    group: 'Evidence storage',
    doc: 'Access key for the evidence bucket. Leave both keys unset to use the SDK\'s default credentials (instance role).',
    schema: optionalText,
    secret: true,
  },
  S3_SECRET_ACCESS_KEY: { group: 'Evidence storage', doc: 'Secret for S3_ACCESS_KEY_ID.', schema: optionalText, secret: true },
  S3_REGION: { group: 'Evidence storage', doc: 'Region of the evidence bucket.', schema: z.string().trim().min(1), default: 'us-east-1' },
  S3_FORCE_PATH_STYLE: {
    group: 'Evidence storage',
    doc: 'Address the bucket as a path (http://host/bucket/key), as MinIO and most S3-compatible servers need.',
    schema: bool,
    default: 'false',
  },

  MAX_SQL_BYTES: { group: 'Query', doc: 'Largest SQL text the guard will parse; larger is refused.', schema: int(64, 10 * 1024 * 1024), default: '102400' },
  QUERY_TIMEOUT_MS: {
    group: 'Query',
    doc: 'Statement timeout of a dataset query: the default for new datasets and the ceiling for every dataset.',
    schema: int(100, 3_600_000),
    default: '30000',
  },
  QUERY_MAX_ROWS: { group: 'Query', doc: 'Ceiling on the rows one query returns (a dataset\'s max_rows, default 1000, cannot exceed it).', schema: int(1, 1_000_000), default: '10000' },
  QUERY_MAX_RESULT_BYTES: {
    group: 'Query',
    doc: 'Largest result one query may return; the rest is cut off and the result marked truncated.',
    schema: int(1024, 1024 * 1024 * 1024),
    default: '10485760',
  },
  RESULT_TTL_DAYS: { group: 'Query', doc: 'Days a stored (encrypted) query result is kept before the cleanup job deletes it.', schema: int(1, 3650), default: '90' },

  OPENAI_BASE_URL: {
    group: 'LLM',
    doc: 'OpenAI-compatible endpoint (Azure OpenAI, vLLM, Ollama, llama.cpp server: their `/v1` URL). Unset: api.openai.com.',
    schema: z.url().optional(),
  },
  OPENAI_API_KEY: { group: 'LLM', doc: 'API key sent as a bearer token to the LLM endpoint (local servers often need none).', schema: optionalText, secret: true },
  LLM_MODEL: {
    group: 'LLM',
    doc: 'Model that writes SQL from questions. Unset: no LLM; /v1/query/ask answers 503 and health shows llm as not configured.',
    schema: optionalText,
  },
  LLM_PRICES: {
    group: 'LLM',
    doc: 'Prices per model in USD per million tokens, as JSON: `{"gpt-4o-mini":{"input":0.15,"output":0.6}}`. Cost budgets charge by these; a model not listed costs 0 (tokens are still charged).',
    schema: z
      .string()
      .transform((text, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'expected JSON' });
          return z.NEVER;
        }
      })
      .pipe(z.record(z.string().min(1), z.object({ input: z.number().min(0).max(1_000_000), output: z.number().min(0).max(1_000_000) }).strict())),
    default: '{}',
  },
  LLM_TIMEOUT_MS: { group: 'LLM', doc: 'Deadline of one call to the model; a call that takes longer is abandoned (and may be retried).', schema: int(100, 600_000), default: '30000' },
  LLM_MAX_RETRIES: { group: 'LLM', doc: 'Retries of a call that failed retryably (429, 5xx, network, timeout), with exponential backoff and jitter.', schema: int(0, 10), default: '2' },
  LLM_RETRY_AFTER_MAX_MS: {
    group: 'LLM',
    doc: 'Longest `Retry-After` from the model that is waited out; a longer one fails the call at once with its delay.',
    schema: int(0, 600_000),
    default: '20000',
  },
  LLM_MAX_REPAIRS: { group: 'LLM', doc: 'Times the model may repair SQL the guard refused, given the violations, before the question fails.', schema: int(0, 10), default: '2' },
  LLM_MAX_OUTPUT_TOKENS: { group: 'LLM', doc: 'Most tokens the model may answer with per call (also the estimate budgets reserve).', schema: int(64, 100_000), default: '1024' },
  LLM_MAX_QUESTION_CHARS: { group: 'LLM', doc: 'Longest question accepted, in characters.', schema: int(16, 100_000), default: '2000' },
  LLM_PROMPT_EXAMPLES: { group: 'LLM', doc: 'Verified question → SQL examples of the dataset put in each prompt (the most similar first).', schema: int(0, 50), default: '5' },
  LLM_RESPONSE_FORMAT: {
    group: 'LLM',
    doc: 'How structured output is asked for: json_schema (OpenAI, vLLM, llama.cpp), json_object, or text (the answer is still parsed as JSON).',
    schema: z.enum(['json_schema', 'json_object', 'text']),
    default: 'json_schema',
  },
  LLM_BREAKER_MIN_CALLS: { group: 'LLM', doc: 'Calls the LLM circuit breaker must see before it may open (its window).', schema: int(1, 1000), default: '10' },
  LLM_BREAKER_FAILURES: { group: 'LLM', doc: 'Failed calls within the last LLM_BREAKER_MIN_CALLS that open the circuit.', schema: int(1, 1000), default: '5' },
  LLM_BREAKER_RECOVERY_MS: { group: 'LLM', doc: 'How long the open circuit fails fast before one probe call is let through.', schema: int(100, 3_600_000), default: '30000' },

  DATASET_ALLOWED_HOSTS: {
    group: 'Datasets',
    doc: 'Comma-separated hosts, IP addresses or CIDRs dataset connections may reach (`.example.com` matches subdomains). Empty: any host except link-local metadata addresses.',
    schema: list,
    default: '',
  },
  DATASET_POOL_SIZE: { group: 'Datasets', doc: 'Connections per dataset per process.', schema: int(1, 100), default: '5' },
  DEMO_DATASET: {
    group: 'Datasets',
    doc: 'Register the generated loan-portfolio demo dataset (its own PGlite under DATA_DIR/demo). Unset: on outside production.',
    schema: bool.optional(),
  },
} satisfies Record<string, VarSpec>;

export type VarName = keyof typeof VARS;
export type RawVars = { [K in VarName]: z.output<(typeof VARS)[K]['schema']> };
