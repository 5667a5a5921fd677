import type { FastifyInstance } from 'fastify';
import type { Principal } from '../modules/identity/index.js';

export interface Admission {
  admit(input: { principal: Principal | null; ip: string; bucket: string }): Promise<Record<string, string>>;
}

/**
 * Step three of every request (after authentication, so limits count against the API key, user or
 * organization): one atomic check of every window that applies, headers on the answer. Ops routes
 * (health, metrics, docs) are exempt. `/v1/auth/*` counts per client address (seed 000).
 */
export function installRateLimit(app: FastifyInstance, traffic: Admission): void {
  app.addHook('onRequest', async (request, reply) => {
    const config = request.routeOptions.config;
    if (config?.ops || config?.rateLimit === false) return;
    const path = request.routeOptions.url ?? request.url;
    const bucket = config?.rateLimit ?? (path.startsWith('/v1/auth/') ? 'auth' : 'default');
    reply.headers(await traffic.admit({ principal: request.principal, ip: request.ip, bucket }));
  });
}
