import { Type } from '@sinclair/typebox';
import type { App } from '../../http/server.js';
import { type Principal, principalOf } from '../identity/index.js';
import type { AdminService } from './service.js';

const config = { auth: 'user', permission: 'admin.operate', killSwitchExempt: true } as const;
const tags = ['admin'];
const KillSwitchState = Type.Object({
  on: Type.Boolean(),
  forced: Type.Boolean(),
  reason: Type.Union([Type.String(), Type.Null()]),
  changed_at: Type.Union([Type.String(), Type.Null()]),
  changed_by: Type.Union([Type.String(), Type.Null()]),
});
const LogLevel = Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)));

const actor = (p: Principal) => ({ userId: p.userId, organizationId: p.organizationId, via: 'http' as const });

export function adminRoutes(app: App, service: AdminService) {
  app.get('/v1/admin/kill-switch', { config, schema: { tags, summary: 'Kill switch state', response: { 200: KillSwitchState } } }, async () => service.killSwitch.state());
  app.post(
    '/v1/admin/kill-switch',
    { config, schema: { tags, summary: 'Turn the kill switch on (every instance refuses queries within a second)', body: Type.Optional(Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false })), response: { 200: KillSwitchState } } },
    async (request) => service.killSwitch.set(true, actor(principalOf(request)), request.body?.reason),
  );
  app.delete('/v1/admin/kill-switch', { config, schema: { tags, summary: 'Turn the kill switch off', response: { 200: KillSwitchState } } }, async (request) =>
    service.killSwitch.set(false, actor(principalOf(request))),
  );
  app.patch(
    '/v1/admin/logging/level',
    { config, schema: { tags, summary: 'Change the log level of this process at runtime', body: Type.Object({ level: LogLevel }, { additionalProperties: false }), response: { 200: Type.Object({ level: Type.String(), previous: Type.String() }) } } },
    async (request) => service.setLogLevel(request.body.level as Parameters<AdminService['setLogLevel']>[0], actor(principalOf(request))),
  );
}
