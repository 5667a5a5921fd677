import type { FastifyInstance } from 'fastify';
import type { Principal } from '../modules/identity/index.js';
import { routeOf } from './server.js';

export interface Admission {
  /** The rate-limit headers of an admitted request: synchronously when decided locally. */
  admit(input: { principal: Principal | null; ip: string; bucket: string }): Record<string, string> | Promise<Record<string, string>>;
}

/**
 * Step three of every request (after authentication, so limits count against the API key, user or
 * organization): one atomic check of every window that applies, headers on the answer. Ops routes
 * (health, metrics, docs) are exempt. `/v1/auth/*` counts per client address (seed 000).
 */
export function installRateLimit(app: FastifyInstance, traffic: Admission): void {
  // A callback hook: exempt routes and local decisions pass without a promise.
  app.addHook('onRequest', (request, reply, done) => {
    const config = routeOf(request);
    if (config.ops || config.rateLimit === false) return done();
    const path = config.url ?? request.url;
    const bucket = config.rateLimit ?? (path.startsWith('/v1/auth/') ? 'auth' : 'default');
    const admitted = traffic.admit({ principal: request.principal, ip: request.context.ip ?? request.ip, bucket });
    if (admitted instanceof Promise) {
      admitted.then((headers) => {
        reply.headers(headers);
        done();
      }, done);
      return undefined;
    }
    reply.headers(admitted);
    return done();
  });
}
