import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import compress from '@fastify/compress';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from '../config/index.js';
import { type RequestContext, runWithContext } from '../platform/context.js';
import { AppError } from '../platform/errors.js';
import { acceptRequestId } from '../platform/ids.js';
import { type Logging, markRequestLogger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import { installAccessLog } from './access-log.js';
import { createErrorHandler } from './error-handler.js';
import { installNotFound } from './not-found.js';
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

/** The Fastify instance with the platform's hooks; modules add their routes to it. */
export function createServer(deps: ServerDeps): App {
  const { config, logging } = deps;
  const app = Fastify({
    loggerInstance: logging.root as FastifyBaseLogger,
    // Access lines come from access-log.ts (one per response, with route and duration).
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    requestIdHeader: false,
    genReqId: (req) => acceptRequestId(req.headers['x-request-id']),
    childLoggerFactory: (logger, bindings, options) => markRequestLogger(logger.child(bindings, options)),
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

  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(request.url.startsWith('/docs') ? headers.docs : headers.api);
    reply.header('x-request-id', request.id);
    const context: RequestContext = {
      requestId: request.id,
      ip: request.ip,
      userAgent: request.headers['user-agent'],
      method: request.method,
      path: request.routeOptions.url ?? request.url.split('?')[0],
    };
    request.context = context;
    runWithContext(context, () => done());
  });
  // Body parsing resumes on stream events outside the request's async context; re-enter it.
  app.addHook('preValidation', (request, _reply, done) => runWithContext(request.context, () => done()));

  app.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.config;
    if (closing) throw new AppError('SERVICE_UNAVAILABLE', 'The server is shutting down.', { retryAfterSeconds: 1 });
    if (config.http.forceHttps && !route?.ops && request.protocol !== 'https') {
      return reply.redirect(`https://${request.host}${request.url}`, request.method === 'GET' ? 301 : 308);
    }
    if (deps.killSwitchOn() && !route?.ops && !route?.killSwitchExempt) {
      throw new AppError('SERVICE_UNAVAILABLE', 'The kill switch is on: Aureus is not answering queries until an admin turns it off.', {
        retryAfterSeconds: 30,
      });
    }
    return undefined;
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
  app.decorateReply('errorCode', null);
  app.setErrorHandler(createErrorHandler(config));
  installNotFound(app);
  installAccessLog(app, deps);
  app.register(cookie);
  app.register(compress, { global: true, threshold: 1024, encodings: ['br', 'gzip'], brotliOptions: { params: { 1: 4 } } });
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
