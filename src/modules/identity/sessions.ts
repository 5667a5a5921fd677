import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Broadcast } from '../../platform/broadcast.js';
import { currentContext } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { AppError } from '../../platform/errors.js';
import type { AuditService } from '../audit/index.js';
import { createDummyHash, verifyPassword } from './passwords.js';
import type { Principal } from './principal.js';
import { type User, findUserByEmail, findUserById, touchLogin } from './repo.js';
import type { Revocations } from './revocations.js';
import { insertRefreshToken, insertRevokedToken, lockRefreshToken, markRefreshUsed, revokeFamily } from './sessions-repo.js';
import { ACCESS_TOKEN_TTL_S, REFRESH_TOKEN_TTL_S, type TokenKeyRing, hashToken, invalidToken, newRefreshToken } from './tokens.js';
/** Sign-in attempts are throttled per account and per client address (the traffic capability). */
export interface LoginThrottle {
  /** Throws RATE_LIMIT_EXCEEDED when this account or address has tried too often. */
  attempt(email: string, ip: string): Promise<void>;
}

export interface SessionTokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  refreshExpiresAt: Date;
  user: User;
}

export interface SessionDeps {
  db: Db;
  audit: AuditService;
  keys: TokenKeyRing;
  revocations: Revocations;
  broadcast: Broadcast;
  throttle: LoginThrottle;
  logger: Logger;
}

const REFUSED = () => new AppError('AUTHENTICATION_FAILED', 'The email or password is not correct.');
const REFRESH_REFUSED = () => new AppError('AUTHENTICATION_FAILED', 'The refresh token is invalid, expired or already used.');

export function userPrincipal(user: User, claims: { sid: string; jti: string; exp: number }): Principal {
  return {
    kind: 'user', userId: user.id, organizationId: user.organizationId, role: user.role, team: user.team, tier: user.tier, organizationTier: user.tier,
    email: user.email, apiKeyId: null, sessionId: claims.sid, tokenId: claims.jti, tokenExpiresAt: claims.exp,
  };
}

const USER_CACHE_MS = 30_000;

export function createSessions(deps: SessionDeps) {
  const dummyHash = createDummyHash();
  // Per-request user lookups are served from memory; any change to a user cuts its tokens and
  // broadcasts, which also evicts it here on every instance.
  const users = new Map<string, { user: User; at: number }>();
  deps.broadcast.subscribe((m) => {
    if (m.type === 'user_tokens_cut') users.delete(m.userId);
  });
  async function cachedUser(id: string): Promise<User | undefined> {
    const hit = users.get(id);
    if (hit && Date.now() - hit.at < USER_CACHE_MS) return hit.user;
    const user = await findUserById(deps.db, id);
    if (user) users.set(id, { user, at: Date.now() });
    return user;
  }

  async function issue(user: User, familyId: string, refreshExpiresAt: Date, tx: Parameters<Parameters<Db['transaction']>[0]>[0]) {
    const refreshToken = newRefreshToken();
    await insertRefreshToken(tx, { familyId, userId: user.id, tokenHash: hashToken(refreshToken), expiresAt: refreshExpiresAt });
    const access = await deps.keys.sign({ sub: user.id, org: user.organizationId, role: user.role, sid: familyId });
    return { accessToken: access.token, refreshToken, expiresIn: ACCESS_TOKEN_TTL_S, refreshExpiresAt, user };
  }

  async function failLogin(reason: string, email: string, user?: User): Promise<never> {
    await deps.db.transaction(async (tx) => {
      await deps.audit.record(tx, { type: 'auth.login', outcome: 'denied', organizationId: user?.organizationId ?? null, userId: user?.id ?? null, details: { reason } });
      await deps.audit.recordSecurityEvent(tx, {
        type: 'auth_failure', severity: 'low', organizationId: user?.organizationId ?? null, userId: user?.id ?? null,
        detail: { reason, email_sha256: hashToken(email.toLowerCase()) },
      });
    });
    throw REFUSED();
  }

  return {
    /** Same answer and same argon2 work whether the email is unknown, the password wrong or the user disabled. */
    async login(email: string, password: string): Promise<SessionTokens> {
      await deps.throttle.attempt(email, currentContext()?.ip ?? 'unknown');
      const user = await findUserByEmail(deps.db, email);
      const valid = await verifyPassword(user?.passwordHash ?? (await dummyHash), password);
      if (!user || !user.passwordHash) return failLogin('unknown_account', email);
      if (!valid) return failLogin('wrong_password', email, user);
      if (!user.isActive) return failLogin('disabled', email, user);
      return deps.db.transaction(async (tx) => {
        const tokens = await issue(user, randomUUID(), new Date(Date.now() + REFRESH_TOKEN_TTL_S * 1000), tx);
        await touchLogin(tx, user.id);
        await deps.audit.record(tx, { type: 'auth.login', organizationId: user.organizationId, userId: user.id, resourceType: 'session', resourceId: tokens.user.id });
        return tokens;
      });
    },

    /**
     * Rotation: the presented token is spent and a new pair issued in the same family, up to the
     * family's absolute expiry. A spent or revoked token presented again means it was copied:
     * the whole family is revoked and a security event recorded.
     */
    async refresh(refreshToken: string): Promise<SessionTokens> {
      const outcome = await deps.db.transaction(async (tx) => {
        const row = await lockRefreshToken(tx, hashToken(refreshToken));
        if (!row) return { error: 'unknown' as const };
        const user = await findUserById(tx, row.userId);
        if (row.usedAt || row.revokedAt) {
          await revokeFamily(tx, row.familyId);
          await deps.audit.record(tx, { type: 'auth.refresh_reuse', outcome: 'denied', organizationId: user?.organizationId, userId: row.userId, resourceType: 'session', resourceId: row.familyId });
          await deps.audit.recordSecurityEvent(tx, { type: 'refresh_token_reuse', severity: 'high', organizationId: user?.organizationId, userId: row.userId, detail: { family_id: row.familyId } });
          return { error: 'reuse' as const };
        }
        if (row.expiresAt.getTime() <= Date.now() || !user || !user.isActive) return { error: 'expired' as const };
        await markRefreshUsed(tx, row.id);
        const tokens = await issue(user, row.familyId, row.expiresAt, tx);
        await deps.audit.record(tx, { type: 'auth.refresh', organizationId: user.organizationId, userId: user.id, resourceType: 'session', resourceId: row.familyId });
        return { tokens };
      });
      if ('error' in outcome) {
        if (outcome.error === 'reuse') deps.logger.warn('auth.refresh_reuse_detected');
        throw REFRESH_REFUSED();
      }
      return outcome.tokens;
    },

    /** Ends the session everywhere: its refresh family and this access token, at once. */
    async logout(principal: Principal): Promise<void> {
      if (principal.kind !== 'user' || !principal.sessionId || !principal.tokenId || !principal.tokenExpiresAt) {
        throw new AppError('VALIDATION_ERROR', 'Only a signed-in user session can be logged out; revoke API keys instead.');
      }
      const { sessionId, tokenId, tokenExpiresAt } = principal;
      await deps.db.transaction(async (tx) => {
        await revokeFamily(tx, sessionId);
        await insertRevokedToken(tx, tokenId, new Date(tokenExpiresAt * 1000));
        await deps.audit.record(tx, { type: 'auth.logout', organizationId: principal.organizationId, userId: principal.userId, resourceType: 'session', resourceId: sessionId });
      });
      await deps.broadcast.publish({ type: 'token_revoked', jti: tokenId, expMs: tokenExpiresAt * 1000 });
    },

    /** Bearer JWT → principal, or AUTHENTICATION_FAILED. */
    async authenticate(token: string): Promise<Principal> {
      const claims = await deps.keys.verify(token);
      if (deps.revocations.isRevoked(claims)) throw invalidToken();
      const user = await cachedUser(claims.sub);
      if (!user || !user.isActive || user.organizationId !== claims.org) throw invalidToken();
      return userPrincipal(user, claims);
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;
