import { VARS, type RawVars, type VarName } from './vars.js';
import { productionProblems } from './production.js';

export { VARS } from './vars.js';
export type { VarName } from './vars.js';

export type Environment = 'development' | 'test' | 'production';
export type LogLevel = RawVars['LOG_LEVEL'];

/** The typed, frozen configuration. Factories receive the slice they need, never the whole. */
export interface Config {
  environment: Environment;
  dataDir: string;
  expectedInstances: number;
  shutdownTimeoutMs: number;
  http: {
    host: string;
    port: number;
    corsOrigins: string[];
    authRedirectUris: string[];
    trustedProxies: string[];
    forceHttps: boolean;
    maxBodyBytes: number;
    slowRequestMs: number;
    metricsToken: string | undefined;
  };
  log: { level: LogLevel; format: 'json' | 'text'; skipPaths: string[] };
  database: { url: string | undefined; poolSize: number; statementTimeoutMs: number; echo: boolean };
  redis: { url: string | undefined; keyPrefix: string; commandTimeoutMs: number };
  secrets: { jwtSecretKey: string | undefined; jwtPreviousSecretKeys: string[]; encryptionKey: string | undefined };
  bootstrap: { adminEmail: string; adminPassword: string | undefined; organization: string };
  cache: { enabled: boolean; defaultTtlSeconds: number };
  rateLimit: {
    perMinute: number;
    authPerMinute: number;
    askPerMinute: number;
    loginAttempts: number;
    authFailuresPerMinute: number;
    redisFailure: 'fallback' | 'closed' | 'local';
    redisTimeoutMs: number;
  };
  killSwitch: { forced: boolean; pollMs: number };
  queue: { concurrency: number };
  guard: { maxSqlBytes: number };
  query: { timeoutMs: number; maxRows: number; maxResultBytes: number; resultTtlDays: number };
  datasets: { allowedHosts: string[]; poolSize: number; demo: boolean };
  /** Undefined when LLM_MODEL is unset: natural-language questions are off. */
  llm: LlmConfig | undefined;
  audit: { signingKey: string | undefined; checkpointIntervalMs: number; retentionDays: number };
  /** Evidence bucket; undefined when S3_BUCKET is unset (the local write-once folder is used). */
  s3: S3Config | undefined;
}

export interface LlmConfig {
  baseUrl: string | undefined;
  apiKey: string | undefined;
  model: string;
  /** USD per million tokens, by model. */
  prices: Record<string, { input: number; output: number }>;
  timeoutMs: number;
  maxRetries: number;
  retryAfterMaxMs: number;
  maxRepairs: number;
  maxOutputTokens: number;
  maxQuestionChars: number;
  promptExamples: number;
  responseFormat: 'json_schema' | 'json_object' | 'text';
  breaker: { minCalls: number; failures: number; recoveryMs: number };
}

export interface S3Config {
  endpoint: string | undefined;
  bucket: string;
  region: string;
  forcePathStyle: boolean;
  /** Both or neither; neither = the SDK's default credential chain. */
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function parseVars(env: Env, problems: string[]): RawVars {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(VARS)) {
    const given = env[name];
    const text = given === undefined || given === '' ? ('default' in spec ? spec.default : undefined) : given;
    const parsed = spec.schema.safeParse(text);
    if (parsed.success) {
      out[name] = parsed.data;
    } else {
      const shown = 'secret' in spec && spec.secret ? '(hidden)' : JSON.stringify(text);
      problems.push(`${name}=${shown}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    }
  }
  return out as RawVars;
}

function shape(v: RawVars): Config {
  return {
    environment: v.ENVIRONMENT,
    dataDir: v.DATA_DIR,
    expectedInstances: v.EXPECTED_INSTANCES,
    shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT_MS,
    http: {
      host: v.HOST,
      port: v.PORT,
      corsOrigins: v.CORS_ORIGINS,
      authRedirectUris: v.AUTH_REDIRECT_URIS,
      trustedProxies: v.TRUSTED_PROXIES,
      forceHttps: v.FORCE_HTTPS,
      maxBodyBytes: v.MAX_BODY_BYTES,
      slowRequestMs: v.SLOW_REQUEST_MS,
      metricsToken: v.METRICS_TOKEN,
    },
    log: { level: v.LOG_LEVEL, format: v.LOG_FORMAT, skipPaths: v.LOG_SKIP_PATHS },
    database: {
      url: v.DATABASE_URL,
      poolSize: v.DATABASE_POOL_SIZE,
      statementTimeoutMs: v.DATABASE_STATEMENT_TIMEOUT_MS,
      echo: v.DATABASE_ECHO,
    },
    redis: { url: v.REDIS_URL, keyPrefix: v.REDIS_KEY_PREFIX, commandTimeoutMs: v.REDIS_COMMAND_TIMEOUT_MS },
    secrets: { jwtSecretKey: v.JWT_SECRET_KEY, jwtPreviousSecretKeys: v.JWT_PREVIOUS_SECRET_KEYS ?? [], encryptionKey: v.ENCRYPTION_KEY },
    bootstrap: { adminEmail: v.ADMIN_EMAIL, adminPassword: v.ADMIN_PASSWORD, organization: v.ADMIN_ORGANIZATION },
    cache: { enabled: v.CACHE_ENABLED, defaultTtlSeconds: v.CACHE_DEFAULT_TTL },
    rateLimit: {
      perMinute: v.RATE_LIMIT_PER_MINUTE,
      authPerMinute: v.RATE_LIMIT_AUTH_PER_MINUTE,
      askPerMinute: v.RATE_LIMIT_ASK_PER_MINUTE,
      loginAttempts: v.RATE_LIMIT_LOGIN_ATTEMPTS,
      authFailuresPerMinute: v.RATE_LIMIT_AUTH_FAILURES_PER_MINUTE,
      redisFailure: v.RATE_LIMIT_REDIS_FAILURE ?? (v.ENVIRONMENT === 'production' ? 'closed' : 'fallback'),
      redisTimeoutMs: v.RATE_LIMIT_REDIS_TIMEOUT_MS,
    },
    killSwitch: { forced: v.KILL_SWITCH, pollMs: v.KILL_SWITCH_POLL_MS },
    queue: { concurrency: v.QUEUE_CONCURRENCY },
    guard: { maxSqlBytes: v.MAX_SQL_BYTES },
    query: { timeoutMs: v.QUERY_TIMEOUT_MS, maxRows: v.QUERY_MAX_ROWS, maxResultBytes: v.QUERY_MAX_RESULT_BYTES, resultTtlDays: v.RESULT_TTL_DAYS },
    datasets: { allowedHosts: v.DATASET_ALLOWED_HOSTS, poolSize: v.DATASET_POOL_SIZE, demo: v.DEMO_DATASET ?? v.ENVIRONMENT !== 'production' },
    llm: v.LLM_MODEL
      ? {
          baseUrl: v.OPENAI_BASE_URL,
          apiKey: v.OPENAI_API_KEY,
          model: v.LLM_MODEL,
          prices: v.LLM_PRICES,
          timeoutMs: v.LLM_TIMEOUT_MS,
          maxRetries: v.LLM_MAX_RETRIES,
          retryAfterMaxMs: v.LLM_RETRY_AFTER_MAX_MS,
          maxRepairs: v.LLM_MAX_REPAIRS,
          maxOutputTokens: v.LLM_MAX_OUTPUT_TOKENS,
          maxQuestionChars: v.LLM_MAX_QUESTION_CHARS,
          promptExamples: v.LLM_PROMPT_EXAMPLES,
          responseFormat: v.LLM_RESPONSE_FORMAT,
          breaker: { minCalls: v.LLM_BREAKER_MIN_CALLS, failures: v.LLM_BREAKER_FAILURES, recoveryMs: v.LLM_BREAKER_RECOVERY_MS },
        }
      : undefined,
    audit: { signingKey: v.AUDIT_SIGNING_KEY, checkpointIntervalMs: v.AUDIT_CHECKPOINT_INTERVAL_MS, retentionDays: v.AUDIT_RETENTION_DAYS },
    s3: v.S3_BUCKET
      ? {
          endpoint: v.S3_ENDPOINT,
          bucket: v.S3_BUCKET,
          region: v.S3_REGION,
          forcePathStyle: v.S3_FORCE_PATH_STYLE,
          credentials: v.S3_ACCESS_KEY_ID && v.S3_SECRET_ACCESS_KEY ? { accessKeyId: v.S3_ACCESS_KEY_ID, secretAccessKey: v.S3_SECRET_ACCESS_KEY } : undefined,
        }
      : undefined,
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Parses and checks the whole environment, collecting every problem before throwing once.
 * Checks that need the network (Redis reachable, connection budget) live in `preflight`.
 */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const vars = parseVars(env, problems);
  if (problems.length === 0) problems.push(...productionProblems(vars));
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(shape(vars));
}

/** Test and tooling helper: a config from explicit values over the defaults (no process.env). */
export function configFrom(values: Partial<Record<VarName, string>>): Config {
  return loadConfig(values);
}
