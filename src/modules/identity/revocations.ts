import type { Broadcast } from '../../platform/broadcast.js';
import type { Executor } from '../../platform/db/index.js';
import { usersWithTokenCutoff } from './repo.js';
import { activeRevokedTokens } from './sessions-repo.js';
import type { AccessClaims } from './tokens.js';

/**
 * What makes a valid-looking access token unusable: its own id revoked (logout), or its user's
 * cut-off (disable, role change, password reset). Checked in memory on every request; kept in
 * step across instances by the broadcast and rebuilt from the database at start-up.
 */
export class Revocations {
  private readonly tokens = new Map<string, number>();
  private readonly userCutoffs = new Map<string, number>();

  constructor(broadcast: Broadcast) {
    broadcast.subscribe((m) => {
      if (m.type === 'token_revoked') this.tokens.set(m.jti, m.expMs);
      if (m.type === 'user_tokens_cut') this.userCutoffs.set(m.userId, m.cutoffMs);
    });
  }

  async load(db: Executor): Promise<void> {
    for (const t of await activeRevokedTokens(db)) this.tokens.set(t.jti, t.expiresAt.getTime());
    for (const u of await usersWithTokenCutoff(db)) this.userCutoffs.set(u.id, u.cutoff.getTime());
  }

  isRevoked(claims: AccessClaims): boolean {
    if (this.tokens.has(claims.jti)) return true;
    const cutoff = this.userCutoffs.get(claims.sub);
    return cutoff !== undefined && claims.iatMs <= cutoff;
  }

  /** Drops entries for tokens that have expired anyway. */
  prune(nowMs = Date.now()): void {
    for (const [jti, exp] of this.tokens) if (exp < nowMs) this.tokens.delete(jti);
  }
}
