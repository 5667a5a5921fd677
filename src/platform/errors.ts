/**
 * The closed set of error codes every layer answers with (DESIGN.md §3). The status map is a
 * Record over the union, so adding a code without a status does not compile; docs/errors.md
 * documents each one and test/http/errors-doc.test.ts fails when a code is missing there.
 */
export const ERROR_STATUS = {
  VALIDATION_ERROR: 400,
  SQL_VALIDATION_FAILED: 400,
  PROMPT_INJECTION_DETECTED: 400,
  AUTHENTICATION_FAILED: 401,
  AUTHORIZATION_FAILED: 403,
  RESOURCE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMIT_EXCEEDED: 429,
  QUOTA_EXCEEDED: 429,
  INTERNAL_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
  UPSTREAM_TIMEOUT: 504,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

export interface AppErrorOptions {
  details?: Record<string, unknown>;
  cause?: unknown;
  /** Seconds until a retry may succeed; sent as `Retry-After` on 429/503. */
  retryAfterSeconds?: number;
  /** Extra response headers (rate-limit fields, `Allow`, …). */
  headers?: Record<string, string>;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.headers = options.headers;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

/** The wire shape of every non-2xx answer. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; request_id: string; details?: Record<string, unknown> };
}

export function errorBody(error: AppError, requestId: string): ErrorBody {
  const body: ErrorBody = { error: { code: error.code, message: error.message, request_id: requestId } };
  if (error.details !== undefined) body.error.details = error.details;
  return body;
}

/** PostgreSQL SQLSTATE → error code, for driver errors mapped where they happen (STYLE.md). */
export function fromSqlState(err: unknown): AppError | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  switch (code) {
    case '23505':
      return new AppError('CONFLICT', 'The resource already exists.', { cause: err });
    case '57014':
      return new AppError('UPSTREAM_TIMEOUT', 'The database did not answer in time.', { cause: err });
    case '53300':
    case '57P03':
    case '08006':
    case '08001':
      return new AppError('SERVICE_UNAVAILABLE', 'The database is unavailable.', { cause: err, retryAfterSeconds: 5 });
    default:
      return undefined;
  }
}
