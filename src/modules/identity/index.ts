import type { Logger } from 'pino';
import type { Config } from '../../config/index.js';
import type { App } from '../../http/server.js';
import type { Broadcast } from '../../platform/broadcast.js';
import type { Db } from '../../platform/db/index.js';
import type { AuditService } from '../audit/index.js';
import { Revocations } from './revocations.js';
import { identityRoutes } from './routes.js';
import { resolveJwtSecret } from './secrets.js';
import { type LoginThrottle, createSessions } from './sessions.js';
import { TokenKeyRing } from './tokens.js';
import { createUsers } from './users.js';

export type { Principal } from './principal.js';
export type { LoginThrottle } from './sessions.js';
export type { Role, Tier, Permission, PiiLevel, Scope } from './rbac.js';
export { ROLES, TIERS, PERMISSIONS, PII_LEVEL, can, scopeOf, roleAtMost, tierAtMost, renderAccessMatrix } from './rbac.js';
export type { User } from './repo.js';
export { findUserByEmail, findUserById } from './repo.js';
export { principalOf } from './routes.js';
export { TokenKeyRing } from './tokens.js';
export { generatePassword } from './users.js';

export interface IdentityDeps {
  db: Db;
  audit: AuditService;
  broadcast: Broadcast;
  config: Config;
  logger: Logger;
  throttle: LoginThrottle;
}

export async function createIdentityModule(deps: IdentityDeps) {
  const keys = new TokenKeyRing(await resolveJwtSecret(deps.db, deps.config.secrets.jwtSecretKey), deps.config.secrets.jwtPreviousSecretKeys);
  const revocations = new Revocations(deps.broadcast);
  await revocations.load(deps.db);
  const pruner = setInterval(() => revocations.prune(), 60_000);
  pruner.unref();
  const sessions = createSessions({ ...deps, keys, revocations });
  const users = createUsers(deps);
  return {
    sessions,
    users,
    keys,
    routes: (app: App) => identityRoutes(app, { sessions, users, config: deps.config }),
    /** First start: the admin account; returns a generated password for the caller to print once. */
    async bootstrap(): Promise<{ email: string; password: string } | undefined> {
      const { adminEmail, adminPassword, organization } = deps.config.bootstrap;
      // The first organization gets the most generous tier; admins lower it per organization.
      const created = await users.bootstrap({ email: adminEmail, ...(adminPassword ? { password: adminPassword } : {}), organization, tier: 'enterprise' });
      return created?.password ? { email: adminEmail, password: created.password } : undefined;
    },
    close() {
      clearInterval(pruner);
    },
  };
}

export type IdentityModule = Awaited<ReturnType<typeof createIdentityModule>>;
