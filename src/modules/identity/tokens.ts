import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { type JWTPayload, SignJWT, errors, jwtVerify } from 'jose';
import { AppError } from '../../platform/errors.js';
import type { Role } from './rbac.js';

export const ACCESS_TOKEN_TTL_S = 3600;
export const REFRESH_TOKEN_TTL_S = 7 * 24 * 3600;
const ISSUER = 'aureus';
const AUDIENCE = 'aureus-api';
const TYP = 'at+jwt';
const CLOCK_TOLERANCE_S = 30;

export interface AccessClaims {
  /** Issue time in milliseconds: revocation cut-offs need finer than `iat`'s seconds. */
  iatMs: number;
  sub: string;
  org: string;
  role: Role;
  sid: string;
  jti: string;
  exp: number;
  iat: number;
}

interface Key {
  kid: string;
  secret: Uint8Array;
}

function keyFor(secret: string): Key {
  return { kid: createHash('sha256').update(secret).digest('hex').slice(0, 16), secret: new TextEncoder().encode(secret) };
}

/**
 * HS256 access tokens with a key ring: the first key signs, every key verifies, selected by `kid`,
 * so JWT_SECRET_KEY can be rotated (old key moved to JWT_PREVIOUS_SECRET_KEYS) without logging
 * everyone out. The algorithm, issuer, audience and `typ` are pinned; a key is only ever looked up
 * locally, so `jku`, `x5u` and `jwk` headers are never fetched or trusted.
 */
export class TokenKeyRing {
  private readonly signing: Key;
  private readonly byKid: Map<string, Key>;
  /**
   * Tokens already verified, by their exact text: a client sends the same token for an hour, and
   * the HMAC and claim checks need not be repeated. Expiry is still checked on every use;
   * revocation is checked by the caller on every use.
   */
  private readonly verified = new Map<string, AccessClaims>();
  private static readonly CACHE_SIZE = 10_000;

  constructor(current: string, previous: string[] = []) {
    this.signing = keyFor(current);
    this.byKid = new Map([this.signing, ...previous.map(keyFor)].map((k) => [k.kid, k]));
  }

  async sign(claims: { sub: string; org: string; role: Role; sid: string }, nowMs = Date.now()): Promise<{ token: string; jti: string; exp: number }> {
    const jti = randomUUID();
    const nowS = Math.floor(nowMs / 1000);
    const exp = nowS + ACCESS_TOKEN_TTL_S;
    const token = await new SignJWT({ org: claims.org, role: claims.role, sid: claims.sid, iat_ms: nowMs })
      .setProtectedHeader({ alg: 'HS256', typ: TYP, kid: this.signing.kid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(claims.sub)
      .setJti(jti)
      .setIssuedAt(nowS)
      .setNotBefore(nowS)
      .setExpirationTime(exp)
      .sign(this.signing.secret);
    return { token, jti, exp };
  }

  /** Verifies everything or throws AUTHENTICATION_FAILED; never says which check failed. */
  async verify(token: string): Promise<AccessClaims> {
    const cached = this.verified.get(token);
    if (cached) {
      if (cached.exp + CLOCK_TOLERANCE_S > Date.now() / 1000) return cached;
      this.verified.delete(token);
    }
    const claims = await this.verifyUncached(token);
    if (this.verified.size >= TokenKeyRing.CACHE_SIZE) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(token, claims);
    return claims;
  }

  private async verifyUncached(token: string): Promise<AccessClaims> {
    try {
      const { payload } = await jwtVerify(
        token,
        (header) => {
          const key = typeof header.kid === 'string' ? this.byKid.get(header.kid) : undefined;
          if (!key || header.alg !== 'HS256') throw new errors.JWSInvalid('unknown key');
          return key.secret;
        },
        {
          algorithms: ['HS256'],
          issuer: ISSUER,
          audience: AUDIENCE,
          typ: TYP,
          clockTolerance: CLOCK_TOLERANCE_S,
          requiredClaims: ['sub', 'jti', 'iat', 'nbf', 'exp', 'org', 'role', 'sid', 'iat_ms'],
        },
      );
      return claimsOf(payload);
    } catch {
      throw invalidToken();
    }
  }
}

function claimsOf(payload: JWTPayload): AccessClaims {
  const { sub, org, role, sid, jti, exp, iat, iat_ms: iatMs } = payload as Record<string, unknown>;
  if (![sub, org, role, sid, jti].every((v) => typeof v === 'string') || ![exp, iat, iatMs].every((v) => typeof v === 'number')) {
    throw invalidToken();
  }
  return { sub, org, role, sid, jti, exp, iat, iatMs } as AccessClaims;
}

export function invalidToken(): AppError {
  return new AppError('AUTHENTICATION_FAILED', 'The access token is invalid or expired.');
}

/** Opaque refresh tokens: 256 random bits; only their SHA-256 is stored. */
export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
