import { timingSafeEqual } from 'node:crypto';
import type { Broadcast } from '../../platform/broadcast.js';
import type { Db } from '../../platform/db/index.js';
import { AppError } from '../../platform/errors.js';
import type { AuditService } from '../audit/index.js';
import { type Principal, type Role, type Tier, roleAtMost, scopeOf, tierAtMost } from '../identity/index.js';
import { displayPrefix, generateKey, hashKey, isWellFormed, lookupPrefix } from './format.js';
import * as repo from './repo.js';
import type { UsageRecorder } from './usage.js';

const CACHE_MS = 60_000;
const MAX_GRACE_S = 7 * 24 * 3600;
const INVALID = () => new AppError('AUTHENTICATION_FAILED', 'The API key is invalid, expired or revoked.');
// Compared against when there is nothing to compare, so every failure does the same work.
const DUMMY_HASH = hashKey('aur_live_not-a-key');

export interface CreateKeyInput {
  name: string;
  role?: Role;
  tier?: Tier;
  expiresAt?: Date;
}

function sameHash(a: string, b: string): boolean {
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

export function createApiKeyService(deps: { db: Db; audit: AuditService; broadcast: Broadcast; usage: UsageRecorder }) {
  const cache = new Map<string, { key: repo.KeyWithOwner; at: number }>();
  deps.broadcast.subscribe((m) => {
    if (m.type === 'api_key_revoked') for (const [h, c] of cache) if (c.key.id === m.keyId) cache.delete(h);
    if (m.type === 'user_tokens_cut') for (const [h, c] of cache) if (c.key.createdBy === m.userId) cache.delete(h);
  });

  async function lookup(secret: string, hash: string): Promise<repo.KeyWithOwner | undefined> {
    const hit = cache.get(hash);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.key;
    const wellFormed = isWellFormed(secret);
    const found = await repo.findByPrefix(deps.db, wellFormed ? lookupPrefix(secret) : '-');
    const matches = sameHash(found?.keyHash ?? DUMMY_HASH, hash) && found !== undefined && wellFormed;
    if (!matches) return undefined;
    cache.set(hash, { key: found, at: Date.now() });
    return found;
  }

  async function visibleKey(actor: Principal, id: string): Promise<repo.ApiKey> {
    const key = await repo.findKey(deps.db, id);
    const scope = scopeOf(actor.role, 'api_keys.manage');
    if (!key || key.organizationId !== actor.organizationId || (scope === 'own' && key.createdBy !== actor.userId)) {
      throw new AppError('RESOURCE_NOT_FOUND', 'No such API key.');
    }
    return key;
  }

  async function issue(actor: Principal, input: { name: string; role: Role; tier: Tier | null; expiresAt: Date | null; rotatedFrom: string | null }, tx: Parameters<Parameters<Db['transaction']>[0]>[0]) {
    const secret = generateKey();
    const key = await repo.insertKey(tx, {
      organizationId: actor.organizationId, createdBy: actor.userId, name: input.name, lookupPrefix: lookupPrefix(secret),
      keyHash: hashKey(secret), role: input.role, tier: input.tier, expiresAt: input.expiresAt, rotatedFrom: input.rotatedFrom,
    });
    return { key, secret };
  }

  return {
    /** Unknown, malformed, revoked and expired keys all get the same 401 after the same work. */
    async authenticate(secret: string): Promise<Principal> {
      const hash = hashKey(secret);
      const key = await lookup(secret, hash);
      const now = Date.now();
      if (!key || !key.ownerActive || (key.revokedAt && key.revokedAt.getTime() <= now) || (key.expiresAt && key.expiresAt.getTime() <= now)) {
        throw INVALID();
      }
      deps.usage.record(key.id);
      return {
        kind: 'api_key', userId: key.createdBy, organizationId: key.organizationId, role: key.role, team: key.ownerTeam,
        tier: key.tier ?? key.organizationTier, organizationTier: key.organizationTier, email: key.ownerEmail, apiKeyId: key.id, sessionId: null, tokenId: null, tokenExpiresAt: null,
      };
    },

    async create(actor: Principal, input: CreateKeyInput) {
      const role = input.role ?? actor.role;
      if (!roleAtMost(role, actor.role)) throw new AppError('AUTHORIZATION_FAILED', `A key cannot have a higher role than its creator (${actor.role}).`);
      if (input.tier && !tierAtMost(input.tier, actor.tier)) throw new AppError('AUTHORIZATION_FAILED', `A key cannot have a higher tier than the organization's (${actor.tier}).`);
      if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) throw new AppError('VALIDATION_ERROR', 'expires_at must be in the future.', { details: { fields: [{ path: 'body/expires_at', message: 'must be in the future' }] } });
      return deps.db.transaction(async (tx) => {
        const issued = await issue(actor, { name: input.name, role, tier: input.tier ?? null, expiresAt: input.expiresAt ?? null, rotatedFrom: null }, tx);
        await deps.audit.record(tx, {
          type: 'api_key.created', organizationId: actor.organizationId, userId: actor.userId, apiKeyId: actor.apiKeyId,
          resourceType: 'api_key', resourceId: issued.key.id, details: { name: input.name, role, tier: input.tier ?? null, prefix: displayPrefix(issued.key.lookupPrefix) },
        });
        return issued;
      });
    },

    async list(actor: Principal, limit: number, after?: { t: string; id: string }) {
      const scope = scopeOf(actor.role, 'api_keys.manage');
      return repo.listKeys(deps.db, { organizationId: actor.organizationId, ...(scope === 'own' ? { ownerId: actor.userId } : {}), limit, ...(after ? { after } : {}) });
    },

    /** A new key with the same settings; the old one stops now, or when the grace period ends. */
    async rotate(actor: Principal, id: string, graceSeconds = 0) {
      if (graceSeconds < 0 || graceSeconds > MAX_GRACE_S) throw new AppError('VALIDATION_ERROR', `grace_period_seconds must be between 0 and ${MAX_GRACE_S}.`);
      const old = await visibleKey(actor, id);
      if (old.revokedAt && old.revokedAt.getTime() <= Date.now()) throw new AppError('CONFLICT', 'A revoked key cannot be rotated.');
      const oldEndsAt = new Date(Date.now() + graceSeconds * 1000);
      const result = await deps.db.transaction(async (tx) => {
        await repo.revokeKey(tx, old.id, oldEndsAt);
        const issued = await issue(actor, { name: `${old.name} (rotated)`, role: roleAtMost(old.role, actor.role) ? old.role : actor.role, tier: old.tier, expiresAt: old.expiresAt, rotatedFrom: old.id }, tx);
        await deps.audit.record(tx, {
          type: 'api_key.rotated', organizationId: actor.organizationId, userId: actor.userId, resourceType: 'api_key', resourceId: old.id,
          details: { new_key_id: issued.key.id, grace_period_seconds: graceSeconds },
        });
        return { old: { ...old, revokedAt: oldEndsAt }, ...issued };
      });
      // Every instance drops its cached copy and reloads the new end time.
      await deps.broadcast.publish({ type: 'api_key_revoked', keyId: old.id });
      return result;
    },

    async revoke(actor: Principal, id: string): Promise<void> {
      const key = await visibleKey(actor, id);
      await deps.db.transaction(async (tx) => {
        await repo.revokeKey(tx, key.id, new Date());
        await deps.audit.record(tx, { type: 'api_key.revoked', organizationId: actor.organizationId, userId: actor.userId, resourceType: 'api_key', resourceId: key.id });
      });
      await deps.broadcast.publish({ type: 'api_key_revoked', keyId: key.id });
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;
