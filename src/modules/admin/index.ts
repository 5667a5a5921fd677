import type { Logger } from 'pino';
import type { Broadcast } from '../../platform/broadcast.js';
import type { Db } from '../../platform/db/index.js';
import type { Logging } from '../../platform/logger.js';
import type { AuditService } from '../audit/index.js';
import type { App } from '../../http/server.js';
import { createKillSwitch } from './kill-switch.js';
import { adminRoutes } from './routes.js';
import { createAdminService } from './service.js';

export type { AdminService } from './service.js';
export type { Actor, KillSwitch, KillSwitchState } from './kill-switch.js';

export interface AdminModuleDeps {
  db: Db;
  audit: AuditService;
  logging: Logging;
  logger: Logger;
  broadcast: Broadcast;
  killSwitch: { forced: boolean; pollMs: number };
}

export function createAdminModule(deps: AdminModuleDeps) {
  const killSwitch = createKillSwitch({ db: deps.db, audit: deps.audit, logger: deps.logger, ...deps.killSwitch });
  const service = createAdminService({ ...deps, killSwitch });
  return { service, routes: (app: App) => adminRoutes(app, service) };
}
