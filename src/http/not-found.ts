import FindMyWay, { type HTTPMethod } from 'find-my-way';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../platform/errors.js';
import { sendError } from './error-handler.js';

const METHODS: HTTPMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * 404 for unknown paths, 405 (with `Allow`) for known paths asked with the wrong method. Fastify
 * answers both with 404, so a method-agnostic copy of the route table answers the question.
 */
export function installNotFound(app: FastifyInstance): void {
  const router = FindMyWay();
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (METHODS.includes(method as HTTPMethod) && !router.hasRoute(method as HTTPMethod, route.url)) {
        router.on(method as HTTPMethod, route.url, () => undefined);
      }
    }
  });

  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '/';
    const allowed = METHODS.filter((m) => m !== 'OPTIONS' && router.find(m, path) !== null);
    if (allowed.length > 0 || request.method === 'TRACE') {
      const allow = allowed.join(', ');
      return sendError(
        request,
        reply,
        new AppError('METHOD_NOT_ALLOWED', `${request.method} is not allowed here.`, { headers: allow ? { allow } : {} }),
      );
    }
    return sendError(request, reply, new AppError('RESOURCE_NOT_FOUND', 'No such route.'));
  });
}
