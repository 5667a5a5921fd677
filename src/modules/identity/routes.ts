import cookie from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/index.js';
import type { App } from '../../http/server.js';
import { PageQuery, decodeCursor, encodeCursor } from '../../http/pagination.js';
import { AppError } from '../../platform/errors.js';
import type { Principal } from './principal.js';
import { CreateUserBody, CreatedUser, IdParams, LoginBody, RefreshBody, TokenPair, UpdateUserBody, UserList, UserView, userView } from './schemas.js';
import type { SessionTokens, Sessions } from './sessions.js';
import type { Users } from './users.js';

export const REFRESH_COOKIE = 'aureus_refresh';
const tags = ['auth'];

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('AUTHENTICATION_FAILED', 'Authentication is required.');
  return request.principal;
}

/**
 * A refresh taken from the cookie is a browser call: SameSite=Strict keeps other sites from sending
 * it, and the Origin check refuses any request whose origin is not ours or a configured one.
 */
function checkCookieOrigin(request: FastifyRequest, allowed: string[]): void {
  const origin = request.headers.origin;
  const own = `${request.protocol}://${request.host}`;
  if (!origin || (origin !== own && !allowed.includes(origin))) {
    throw new AppError('AUTHORIZATION_FAILED', 'Cookie-authenticated requests must come from an allowed origin.');
  }
}

export function identityRoutes(app: App, deps: { sessions: Sessions; users: Users; config: Config }) {
  const secure = deps.config.environment === 'production';
  const send = (reply: FastifyReply, t: SessionTokens) => {
    reply.setCookie(REFRESH_COOKIE, t.refreshToken, { httpOnly: true, secure, sameSite: 'strict', path: '/v1/auth', expires: t.refreshExpiresAt });
    return { access_token: t.accessToken, refresh_token: t.refreshToken, token_type: 'bearer' as const, expires_in: t.expiresIn, user: userView(t.user) };
  };

  // The refresh-token cookie is read and written only by these routes: the cookie plugin (a hook
  // on every request and every response) is registered for them alone.
  app.register(async (plugin) => {
    await plugin.register(cookie);
    const scope = plugin as unknown as App;
    scope.post('/v1/auth/login', { config: { auth: 'public', rateLimit: 'auth' }, schema: { tags, summary: 'Sign in', body: LoginBody, response: { 200: TokenPair } } }, async (request, reply) =>
      send(reply, await deps.sessions.login(request.body.email, request.body.password)),
    );

    scope.post('/v1/auth/refresh', { config: { auth: 'public', rateLimit: 'auth' }, schema: { tags, summary: 'Rotate the refresh token', body: RefreshBody, response: { 200: TokenPair } } }, async (request, reply) => {
      let token = request.body?.refresh_token;
      if (!token) {
        token = request.cookies[REFRESH_COOKIE];
        if (token) checkCookieOrigin(request, deps.config.http.corsOrigins);
      }
      if (!token) throw new AppError('AUTHENTICATION_FAILED', 'A refresh token is required (body or cookie).');
      return send(reply, await deps.sessions.refresh(token));
    });

    scope.post('/v1/auth/logout', { config: { auth: 'user', permission: 'auth.self' }, schema: { tags, summary: 'End this session everywhere' } }, async (request, reply) => {
      await deps.sessions.logout(principalOf(request));
      reply.clearCookie(REFRESH_COOKIE, { path: '/v1/auth' });
      return reply.status(204).send();
    });
  });

  app.get('/v1/auth/me', { config: { auth: 'either', permission: 'auth.self' }, schema: { tags, summary: 'Who am I', response: { 200: UserView } } }, async (request) => {
    const p = principalOf(request);
    return userView(await deps.users.get(p, p.userId));
  });

  const admin = { auth: 'user', permission: 'users.manage', killSwitchExempt: true } as const;
  const adminTags = ['admin'];
  app.post('/v1/admin/users', { config: admin, schema: { tags: adminTags, summary: 'Create a user', body: CreateUserBody, response: { 201: CreatedUser } } }, async (request, reply) => {
    const p = principalOf(request);
    const b = request.body;
    const created = await deps.users.create(p, p.organizationId, { email: b.email, role: b.role, fullName: b.full_name, team: b.team ?? null, ...(b.password !== undefined ? { password: b.password } : {}) });
    return reply.status(201).send({ user: userView(created.user), ...(created.password ? { password: created.password } : {}) });
  });

  app.get('/v1/admin/users', { config: admin, schema: { tags: adminTags, summary: 'List users', querystring: PageQuery, response: { 200: UserList } } }, async (request) => {
    const after = request.query.cursor ? decodeCursor<{ t: string; id: string }>(request.query.cursor, ['t', 'id']) : undefined;
    const users = await deps.users.list(principalOf(request), request.query.limit + 1, after);
    const page = users.slice(0, request.query.limit);
    const last = page[page.length - 1];
    return { users: page.map(userView), next_cursor: users.length > page.length && last ? encodeCursor({ t: last.createdAt.toISOString(), id: last.id }) : null };
  });

  app.get('/v1/admin/users/:id', { config: admin, schema: { tags: adminTags, summary: 'Read a user', params: IdParams, response: { 200: UserView } } }, async (request) =>
    userView(await deps.users.get(principalOf(request), request.params.id)),
  );

  app.patch('/v1/admin/users/:id', { config: admin, schema: { tags: adminTags, summary: 'Change role or team, disable or enable', params: IdParams, body: UpdateUserBody, response: { 200: UserView } } }, async (request) => {
    const b = request.body;
    const user = await deps.users.update(principalOf(request), request.params.id, { role: b.role, team: b.team, isActive: b.is_active, fullName: b.full_name });
    return userView(user);
  });
}
