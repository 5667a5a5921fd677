import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../platform/errors.js';
import type { Principal } from '../modules/identity/index.js';
import { can } from '../modules/identity/index.js';
import type { AuthMode } from './route-config.js';
import { type RouteConfig, routeOf } from './server.js';

export interface Authenticators {
  /** A bearer access token (JWT) → principal, or throws AUTHENTICATION_FAILED. */
  accessToken(token: string): Promise<Principal>;
  /** An API key secret → principal, or throws AUTHENTICATION_FAILED (same answer for every failure). */
  apiKey(secret: string): Promise<Principal>;
  isApiKey(value: string): boolean;
  /** Called before a 401 is sent: failed guesses are limited per client address (may throw 429). */
  onFailure?(ip: string): Promise<void>;
}

function credential(request: FastifyRequest): { kind: 'jwt' | 'api_key'; value: string } | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header.length > 0) return { kind: 'api_key', value: header };
  const auth = request.headers.authorization;
  if (typeof auth === 'string' && /^bearer /i.test(auth)) {
    const value = auth.slice(7).trim();
    return { kind: value.startsWith('aur_') ? 'api_key' : 'jwt', value };
  }
  return undefined;
}

const NEEDED: Record<Exclude<AuthMode, 'public'>, string> = {
  user: 'This route needs a signed-in user (Authorization: Bearer <access token>).',
  api_key: 'This route needs an API key (Authorization: Bearer aur_live_… or X-API-Key).',
  either: 'Authentication is required (a bearer access token or an API key).',
};

/**
 * Step two of every request (after the request id): the route's declared auth mode decides which
 * credentials count; the principal lands on `request.principal` and in the request context; then
 * the declared permission is checked against the RBAC matrix. Public routes skip all of it.
 */
export function installAuthentication(app: FastifyInstance, auth: Authenticators): void {
  app.decorateRequest('principal', null);
  const refuse = async (request: FastifyRequest, error: AppError): Promise<never> => {
    await auth.onFailure?.(request.ip);
    throw error;
  };
  const authenticate = async (request: FastifyRequest, config: RouteConfig, mode: Exclude<AuthMode, 'public'>): Promise<void> => {
    const found = credential(request);
    if (!found) throw new AppError('AUTHENTICATION_FAILED', NEEDED[mode]);
    if (found.kind === 'api_key' && mode === 'user') throw new AppError('AUTHENTICATION_FAILED', NEEDED.user);
    if (found.kind === 'jwt' && mode === 'api_key') throw new AppError('AUTHENTICATION_FAILED', NEEDED.api_key);
    let principal: Principal;
    try {
      principal = found.kind === 'api_key' ? await auth.apiKey(found.value) : await auth.accessToken(found.value);
    } catch (err) {
      return refuse(request, err as AppError);
    }
    request.principal = principal;
    request.context.principal = { userId: principal.userId, organizationId: principal.organizationId, apiKeyId: principal.apiKeyId, role: principal.role };
    if (!config.permission || !can(principal.role, config.permission)) {
      throw new AppError('AUTHORIZATION_FAILED', `Your role (${principal.role}) does not allow this.`);
    }
  };
  // A callback hook: public routes (health probes among them) pass without a promise.
  app.addHook('onRequest', (request, _reply, done) => {
    const config = routeOf(request);
    const mode = config.auth;
    if (mode === undefined || mode === 'public') return done();
    authenticate(request, config, mode).then(() => done(), done);
    return undefined;
  });
}
