import { randomBytes } from 'node:crypto';
import type { Broadcast } from '../../platform/broadcast.js';
import type { Db, Executor } from '../../platform/db/index.js';
import { AppError } from '../../platform/errors.js';
import type { AuditService } from '../audit/index.js';
import { checkPasswordPolicy, hashPassword } from './passwords.js';
import type { Principal } from './principal.js';
import type { Role, Tier } from './rbac.js';
import * as repo from './repo.js';
import { revokeUserFamilies } from './sessions-repo.js';

export interface CreateUserInput {
  email: string;
  fullName?: string;
  role: Role;
  team?: string | null;
  password?: string;
}

export interface UserChanges {
  role?: Role;
  team?: string | null;
  isActive?: boolean;
  fullName?: string;
}

/** A generated password: 20 characters from a 62-letter alphabet (~119 bits). */
export function generatePassword(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  return [...randomBytes(20)].map((b) => alphabet[b % alphabet.length]).join('');
}

export function slugify(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'default';
}

export function createUsers(deps: { db: Db; audit: AuditService; broadcast: Broadcast }) {
  /** Ends every session and API key of a user on every instance (disable, role or team change, new password). */
  async function cutTokens(tx: Executor, userId: string): Promise<Date> {
    await revokeUserFamilies(tx, userId);
    return repo.invalidateUserTokens(tx, userId);
  }
  const announce = (userId: string, cutoff: Date) => deps.broadcast.publish({ type: 'user_tokens_cut', userId, cutoffMs: cutoff.getTime() });

  async function getInOrg(tx: Executor, organizationId: string, id: string): Promise<repo.User> {
    const user = await repo.findUserById(tx, id);
    if (!user || user.organizationId !== organizationId) throw new AppError('RESOURCE_NOT_FOUND', 'No such user.');
    return user;
  }

  return {
    async create(actor: Principal | null, organizationId: string, input: CreateUserInput): Promise<{ user: repo.User; password?: string }> {
      const generated = input.password === undefined ? generatePassword() : undefined;
      const password = input.password ?? (generated as string);
      if (input.password !== undefined) await checkPasswordPolicy(input.password);
      const passwordHash = await hashPassword(password);
      const user = await deps.db.transaction(async (tx) => {
        if (await repo.findUserByEmail(tx, input.email)) throw new AppError('CONFLICT', 'A user with this email already exists.');
        const id = await repo.insertUser(tx, {
          organizationId, email: input.email, fullName: input.fullName ?? '', role: input.role, team: input.team ?? null, passwordHash,
        });
        await deps.audit.record(tx, {
          type: 'user.created', organizationId, userId: actor?.userId ?? null, resourceType: 'user', resourceId: id,
          details: { email: input.email, role: input.role, team: input.team ?? null, via: actor ? 'http' : 'cli' },
        });
        return (await repo.findUserById(tx, id)) as repo.User;
      });
      return generated ? { user, password: generated } : { user };
    },

    async list(actor: Principal, limit: number, after?: { t: string; id: string }) {
      return repo.listUsers(deps.db, actor.organizationId, limit, after);
    },

    async get(actor: Principal, id: string) {
      return getInOrg(deps.db, actor.organizationId, id);
    },

    async update(actor: Principal, id: string, changes: UserChanges): Promise<repo.User> {
      if (id === actor.userId && (changes.isActive === false || (changes.role && changes.role !== 'admin'))) {
        throw new AppError('CONFLICT', 'Admins cannot disable or demote themselves; ask another admin.');
      }
      const { user, cutoff } = await deps.db.transaction(async (tx) => {
        const before = await getInOrg(tx, actor.organizationId, id);
        await repo.updateUser(tx, id, changes);
        const changed = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
        const cutsAccess = changes.role !== undefined || changes.team !== undefined || changes.isActive === false;
        const at = cutsAccess ? await cutTokens(tx, id) : undefined;
        const type = changes.isActive === false ? 'user.disabled' : changes.isActive === true && !before.isActive ? 'user.enabled' : changes.role ? 'user.role_changed' : 'user.updated';
        await deps.audit.record(tx, {
          type, organizationId: actor.organizationId, userId: actor.userId, resourceType: 'user', resourceId: id,
          details: { before: { role: before.role, team: before.team, is_active: before.isActive }, changes: changed },
        });
        return { user: (await repo.findUserById(tx, id)) as repo.User, cutoff: at };
      });
      if (cutoff) await announce(id, cutoff);
      return user;
    },

    /** Operator path (CLI): a new password, every session ended. */
    async resetPassword(email: string, password?: string): Promise<{ password: string }> {
      if (password !== undefined) await checkPasswordPolicy(password);
      const chosen = password ?? generatePassword();
      const passwordHash = await hashPassword(chosen);
      const { userId, cutoff } = await deps.db.transaction(async (tx) => {
        const user = await repo.findUserByEmail(tx, email);
        if (!user) throw new AppError('RESOURCE_NOT_FOUND', `No user has the email ${email}.`);
        await repo.setPassword(tx, user.id, passwordHash);
        const at = await cutTokens(tx, user.id);
        await deps.audit.record(tx, { type: 'user.password_reset', organizationId: user.organizationId, resourceType: 'user', resourceId: user.id, details: { via: 'cli' } });
        return { userId: user.id, cutoff: at };
      });
      await announce(userId, cutoff);
      return { password: chosen };
    },

    /**
     * First start: an organization and its admin, from ADMIN_EMAIL/ADMIN_PASSWORD or with a generated
     * password returned to the caller to print once. Does nothing when any user exists.
     */
    async bootstrap(admin: { email: string; password?: string; organization: string; tier: Tier }) {
      if ((await repo.countUsers(deps.db)) > 0) return undefined;
      const slug = slugify(admin.organization);
      const organizationId = (await repo.findOrganizationBySlug(deps.db, slug))?.id ?? (await repo.insertOrganization(deps.db, admin.organization, slug, admin.tier));
      return this.create(null, organizationId, { email: admin.email, role: 'admin', fullName: 'Administrator', ...(admin.password ? { password: admin.password } : {}) });
    },

    async organizationBySlug(slug: string) {
      return repo.findOrganizationBySlug(deps.db, slug);
    },

    /** A new tenant (operator path: `aureus admin create-user --organization`). */
    async createOrganization(name: string, tier: Tier): Promise<string> {
      const slug = slugify(name);
      return deps.db.transaction(async (tx) => {
        if (await repo.findOrganizationBySlug(tx, slug)) throw new AppError('CONFLICT', `An organization named ${slug} already exists.`);
        const id = await repo.insertOrganization(tx, name, slug, tier);
        await deps.audit.record(tx, { type: 'organization.created', organizationId: id, resourceType: 'organization', resourceId: id, details: { name, slug, tier } });
        return id;
      });
    },
  };
}

export type Users = ReturnType<typeof createUsers>;
