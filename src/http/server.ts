import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyContextConfig,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type HookHandlerDoneFunction,
  LogController,
} from 'fastify';
import compress from '@fastify/compress';
import cors from '@fastify/cors';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from '../config/index.js';
import { type RequestContext, currentContext, runWithContext } from '../platform/context.js';
import { AppError } from '../platform/errors.js';
import { acceptRequestId } from '../platform/ids.js';
import type { Logging } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import { installAccessLog } from './access-log.js';
import { createErrorHandler } from './error-handler.js';
import { installNotFound } from './not-found.js';
import { LazyRequestLogger } from './request-logger.js';
import { type DeclaredRoute, isPluginRoute, routeProblems } from './route-config.js';
import { buildSecurityHeaders } from './security-headers.js';

export type App = FastifyInstance<Server, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface ServerDeps {
  config: Config;
  logging: Logging;
  metrics: Metrics;
  /** True while new queries must be refused on every instance. */
  killSwitchOn: () => boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    context: RequestContext;
    /**
     * The matched route's declaration, read once per request by the first hook (Fastify builds a
     * new `routeOptions` object on every access); null until that hook has run.
     */
    routeConfig: RouteConfig | null;
  }
  interface FastifyReply {
    /** The error code sent, for metrics; unset on success. */
    errorCode: string | null;
  }
  interface FastifyInstance {
    /** Every route with its declared auth mode and permission (RBAC tests and docs walk it). */
    declaredRoutes: DeclaredRoute[];
  }
}

/** What a route declared, plus the URL pattern Fastify adds (absent when no route matched). */
export type RouteConfig = Readonly<FastifyContextConfig & { url?: string }>;
const UNMATCHED: RouteConfig = Object.freeze({});

/** The request's route declaration (set by the first hook; looked up for requests refused before it). */
export function routeOf(request: FastifyRequest): RouteConfig {
  return request.routeConfig ?? (request.routeOptions.config as RouteConfig | undefined) ?? UNMATCHED;
}

/** The path of a request URL, without its query string. */
export function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** The Fastify instance with the platform's hooks; modules add their routes to it. */
export function createServer(deps: ServerDeps): App {
  const { config, logging } = deps;
  const app = Fastify({
    loggerInstance: logging.root as FastifyBaseLogger,
    // Access lines come from access-log.ts (one per response, with route and duration).
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    requestIdHeader: false,
    genReqId: (req) => acceptRequestId(req.headers['x-request-id']),
    childLoggerFactory: (logger, bindings, options) => new LazyRequestLogger(logger, bindings, options),
    bodyLimit: config.http.maxBodyBytes,
    trustProxy: config.http.trustedProxies.length > 0 ? config.http.trustedProxies : false,
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false, useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const headers = buildSecurityHeaders({ hsts: config.environment === 'production' });
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  // Keep-alive connections would hold shutdown open until their timeout; close each after its
  // last response once draining has begun.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });

  // Step one of every request, one callback hook (no promise per request): the matched route's
  // declaration, the static security headers, the request id, the request context, then the
  // shutdown, HTTPS and kill-switch gates, run inside that context.
  const gate = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const route = routeOf(request);
    if (closing) return done(new AppError('SERVICE_UNAVAILABLE', 'The server is shutting down.', { retryAfterSeconds: 1 }));
    if (config.http.forceHttps && !route.ops && request.protocol !== 'https') {
      void reply.redirect(`https://${request.host}${request.url}`, request.method === 'GET' ? 301 : 308);
      return undefined;
    }
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
      return done(new AppError('UNSUPPORTED_MEDIA_TYPE', `Request bodies are not accepted compressed (Content-Encoding: ${encoding.slice(0, 40)}); send plain JSON.`));
    }
    if (!route.ops && !route.killSwitchExempt && deps.killSwitchOn()) {
      return done(
        new AppError('SERVICE_UNAVAILABLE', 'The kill switch is on: Aureus is not answering queries until an admin turns it off.', {
          retryAfterSeconds: 30,
        }),
      );
    }
    return done();
  };
  app.addHook('onRequest', (request, reply, done) => {
    const route = request.routeOptions.config ?? UNMATCHED;
    request.routeConfig = route;
    reply.headers(request.url.startsWith('/docs') ? headers.docs : headers.api);
    reply.header('x-request-id', request.id);
    const context: RequestContext = {
      requestId: request.id,
      ip: request.ip,
      userAgent: request.headers['user-agent'],
      method: request.method,
      path: route.url ?? pathOf(request.url),
    };
    request.context = context;
    runWithContext(context, () => gate(request, reply, done));
  });
  // Body parsing resumes on stream events outside the request's async context; re-enter it.
  // Requests without a body are still inside it, and skip the extra frame.
  app.addHook('preValidation', (request, _reply, done) => {
    if (currentContext() === request.context) done();
    else runWithContext(request.context, done);
  });

  const declared: DeclaredRoute[] = [];
  app.decorate('declaredRoutes', declared);
  app.addHook('onRoute', (route) => {
    route.config ??= {};
    if (route.config.auth === undefined && isPluginRoute(route.method, route.url)) {
      Object.assign(route.config, { auth: 'public', ops: true, rateLimit: false });
    }
    declared.push({ method: String(route.method), url: route.url, auth: route.config.auth, permission: route.config.permission });
  });
  app.addHook('onReady', async () => {
    const problems = routeProblems(declared);
    if (problems.length > 0) throw new Error(`Routes without an access declaration:\n  ${problems.join('\n  ')}`);
  });

  app.decorateRequest('context', null as unknown as RequestContext);
  app.decorateRequest('routeConfig', null);
  app.decorateReply('errorCode', null);
  app.setErrorHandler(createErrorHandler(config));
  installNotFound(app);
  installAccessLog(app, deps);
  // Responses only: a compressed request body is refused (415) by the first hook.
  app.register(compress, { global: true, globalDecompression: false, threshold: 1024, encodings: ['br', 'gzip'], brotliOptions: { params: { 1: 4 } } });
  if (config.http.corsOrigins.length > 0) {
    app.register(cors, {
      origin: config.http.corsOrigins,
      credentials: true,
      methods: ['GET', 'POST', 'PATCH', 'DELETE'],
      exposedHeaders: ['x-request-id', 'retry-after', 'retry-after-ms', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'ratelimit', 'ratelimit-policy'],
      maxAge: 600,
    });
  }
  return app;
}
