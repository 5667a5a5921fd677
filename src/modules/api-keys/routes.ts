import type { App } from '../../http/server.js';
import { PageQuery, decodeCursor, encodeCursor } from '../../http/pagination.js';
import { principalOf } from '../identity/index.js';
import { CreateKeyBody, CreatedKey, KeyList, KeyParams, RotateBody, RotatedKey, keyView } from './schemas.js';
import type { ApiKeyService } from './service.js';

const config = { auth: 'user', permission: 'api_keys.manage' } as const;
const tags = ['api keys'];

export function apiKeyRoutes(app: App, service: ApiKeyService) {
  app.post('/v1/auth/api-keys', { config, schema: { tags, summary: 'Create an API key (shown once)', body: CreateKeyBody, response: { 201: CreatedKey } } }, async (request, reply) => {
    const b = request.body;
    const { key, secret } = await service.create(principalOf(request), {
      name: b.name,
      ...(b.role ? { role: b.role } : {}),
      ...(b.tier ? { tier: b.tier } : {}),
      ...(b.expires_at ? { expiresAt: new Date(b.expires_at) } : {}),
    });
    return reply.status(201).send({ ...keyView(key), key_value: secret, message: 'Store this key now: it is shown only once.' });
  });

  app.get('/v1/auth/api-keys', { config, schema: { tags, summary: 'List API keys (never their secrets)', querystring: PageQuery, response: { 200: KeyList } } }, async (request) => {
    const after = request.query.cursor ? decodeCursor<{ t: string; id: string }>(request.query.cursor, ['t', 'id']) : undefined;
    const keys = await service.list(principalOf(request), request.query.limit + 1, after);
    const page = keys.slice(0, request.query.limit);
    const last = page[page.length - 1];
    return { api_keys: page.map((k) => keyView(k)), next_cursor: keys.length > page.length && last ? encodeCursor({ t: last.createdAt.toISOString(), id: last.id }) : null };
  });

  app.post(
    '/v1/auth/api-keys/:key_id/rotate',
    { config, schema: { tags, summary: 'Rotate: a new key, the old one revoked now or after a grace period', params: KeyParams, body: RotateBody, response: { 200: RotatedKey } } },
    async (request) => {
      const grace = request.body?.grace_period_seconds ?? 0;
      const result = await service.rotate(principalOf(request), request.params.key_id, grace);
      return {
        old_key: keyView(result.old),
        new_key: { ...keyView(result.key), key_value: result.secret },
        message:
          grace > 0
            ? `API key rotated. The old key keeps working for ${grace} seconds; update your application with the new key.`
            : 'API key rotated successfully. The old key no longer works; update your application with the new key.',
      };
    },
  );

  app.delete('/v1/auth/api-keys/:key_id', { config, schema: { tags, summary: 'Revoke an API key', params: KeyParams } }, async (request, reply) => {
    await service.revoke(principalOf(request), request.params.key_id);
    return reply.status(204).send();
  });
}
