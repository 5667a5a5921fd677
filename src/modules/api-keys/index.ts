import type { Logger } from 'pino';
import type { App } from '../../http/server.js';
import type { Broadcast } from '../../platform/broadcast.js';
import type { Db } from '../../platform/db/index.js';
import type { AuditService } from '../audit/index.js';
import { isWellFormed } from './format.js';
import { apiKeyRoutes } from './routes.js';
import { createApiKeyService } from './service.js';
import { UsageRecorder } from './usage.js';

export type { ApiKeyService } from './service.js';
export { generateKey, isWellFormed } from './format.js';

export function createApiKeysModule(deps: { db: Db; audit: AuditService; broadcast: Broadcast; logger: Logger; usageFlushMs?: number }) {
  const usage = new UsageRecorder(deps.db, deps.logger, deps.usageFlushMs);
  usage.start();
  const service = createApiKeyService({ ...deps, usage });
  return {
    service,
    usage,
    isKey: (value: string) => value.startsWith('aur_') || isWellFormed(value),
    routes: (app: App) => apiKeyRoutes(app, service),
    close: () => usage.stop(),
  };
}
