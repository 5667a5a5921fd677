import type { FastifyInstance } from 'fastify';
import { type ServerDeps, pathOf, routeOf } from './server.js';

/**
 * One access-log line and the HTTP metrics per response. Paths in LOG_SKIP_PATHS (health probes)
 * are not logged; slow requests are logged at warn with their route and duration.
 */
export function installAccessLog(app: FastifyInstance, deps: Pick<ServerDeps, 'config' | 'metrics' | 'logging'>): void {
  const skip = new Set(deps.config.log.skipPaths);
  const { slowRequestMs } = deps.config.http;
  // A callback hook: no promise per response.
  app.addHook('onResponse', (request, reply, done) => {
    const route = routeOf(request).url ?? 'unmatched';
    const durationMs = reply.elapsedTime;
    const status = reply.statusCode;
    deps.metrics.httpRequests.inc({ method: request.method, route, status_code: String(status) });
    deps.metrics.httpDuration.observe({ method: request.method, route }, durationMs / 1000);
    if (status >= 400) {
      deps.metrics.httpErrors.inc({ route, code: reply.errorCode ?? String(status) });
    }
    // With the request id as a field: the same line the request's own logger would write, without
    // creating that logger for requests that log nothing else.
    const fields = { request_id: request.id, method: request.method, route, status, duration_ms: Math.round(durationMs * 10) / 10 };
    if (durationMs >= slowRequestMs) deps.logging.access('warn', fields, 'http.slow_request');
    else if (skip.size === 0 || !skip.has(pathOf(request.url))) deps.logging.access('info', fields, 'http.request');
    done();
  });
}
