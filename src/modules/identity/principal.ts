import type { Role, Tier } from './rbac.js';

/** Who is calling, whichever credential they used. Services authorize against this, never a request. */
export interface Principal {
  kind: 'user' | 'api_key';
  /** The person: the user, or the API key's owner. */
  userId: string;
  organizationId: string;
  role: Role;
  team: string | null;
  /** The tier limits count against: the API key's own when it has one, else the organization's. */
  tier: Tier;
  organizationTier: Tier;
  email: string;
  apiKeyId: string | null;
  /** Access-token session (refresh family) for users; null for API keys. */
  sessionId: string | null;
  tokenId: string | null;
  tokenExpiresAt: number | null;
}
