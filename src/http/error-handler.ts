import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/index.js';
import { AppError, type ErrorCode, errorBody, fromSqlState, isAppError } from '../platform/errors.js';
import { errorFields } from '../platform/logger.js';

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_ERROR',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION_ERROR',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION_ERROR',
};

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'VALIDATION_ERROR',
  401: 'AUTHENTICATION_FAILED',
  403: 'AUTHORIZATION_FAILED',
  404: 'RESOURCE_NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMIT_EXCEEDED',
  503: 'SERVICE_UNAVAILABLE',
  504: 'UPSTREAM_TIMEOUT',
};

function fieldPath(context: string | undefined, issue: ValidationIssue): string {
  const missing = issue.params?.missingProperty;
  const extra = issue.params?.additionalProperty;
  const path = `${issue.instancePath ?? ''}${missing ? `/${String(missing)}` : ''}${extra ? `/${String(extra)}` : ''}`;
  return `${context ?? 'body'}${path}`;
}

/** Any thrown value → the AppError it stands for. Unknown errors become a fixed INTERNAL_ERROR. */
export function toAppError(err: unknown, maxBodyBytes: number): AppError {
  if (isAppError(err)) return err;
  const fe = err as Partial<FastifyError> & { validation?: ValidationIssue[] };
  if (Array.isArray(fe.validation)) {
    const fields = fe.validation.map((issue) => ({ path: fieldPath(fe.validationContext, issue), message: issue.message ?? 'invalid' }));
    return new AppError('VALIDATION_ERROR', 'The request is not valid.', { details: { fields } });
  }
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new AppError('PAYLOAD_TOO_LARGE', `The request body is larger than ${maxBodyBytes} bytes.`, { details: { limit_bytes: maxBodyBytes } });
  }
  const byCode = fe.code ? FASTIFY_CODES[fe.code] : undefined;
  if (byCode) return new AppError(byCode, fe.message ?? 'The request was refused.');
  const mapped = fromSqlState(err);
  if (mapped) return mapped;
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  const byStatus = STATUS_CODES[status];
  // Framework 4xx messages describe the request, not the server, so they are safe to return.
  if (byStatus && status < 500) return new AppError(byStatus, fe.message ?? 'The request was refused.');
  return new AppError('INTERNAL_ERROR', 'An internal error occurred. Quote the request id when reporting it.', { cause: err });
}

export function sendError(request: FastifyRequest, reply: FastifyReply, appError: AppError): FastifyReply {
  if (appError.retryAfterSeconds !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(appError.retryAfterSeconds))));
  if (appError.headers) reply.headers(appError.headers);
  reply.header('cache-control', 'no-store');
  reply.errorCode = appError.code;
  return reply.status(appError.status).send(errorBody(appError, request.id));
}

/** The only error handler: one uniform body for every failure, logged once at the right level. */
export function createErrorHandler(config: Pick<Config, 'environment' | 'http'>) {
  return function handleError(err: unknown, request: FastifyRequest, reply: FastifyReply) {
    const appError = toAppError(err, config.http.maxBodyBytes);
    if (appError.status >= 500) {
      const cause = appError.code === 'INTERNAL_ERROR' ? (appError.cause ?? err) : err;
      request.log.error({ code: appError.code, ...errorFields(cause, config.environment) }, 'request.failed');
    } else {
      request.log.info({ code: appError.code, status: appError.status }, 'request.refused');
    }
    return sendError(request, reply, appError);
  };
}
