import { Type } from '@sinclair/typebox';
import { PageInfo } from '../../http/pagination.js';
import { RoleSchema, TierSchema } from '../identity/schemas.js';
import { displayPrefix } from './format.js';
import type { ApiKey } from './repo.js';

export const CreateKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    role: Type.Optional(RoleSchema),
    tier: Type.Optional(TierSchema),
    expires_at: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
export const RotateBody = Type.Object(
  { grace_period_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 604_800 })) },
  { additionalProperties: false },
);
export const KeyParams = Type.Object({ key_id: Type.String({ format: 'uuid' }) });

export const KeyView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  key_prefix: Type.String(),
  role: RoleSchema,
  tier: Type.Union([TierSchema, Type.Null()]),
  created_by: Type.String({ format: 'uuid' }),
  created_at: Type.String({ format: 'date-time' }),
  expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  revoked_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  is_active: Type.Boolean(),
  usage_count: Type.Integer(),
});
export const NewKeyView = Type.Intersect([KeyView, Type.Object({ key_value: Type.String() })]);
export const CreatedKey = Type.Intersect([NewKeyView, Type.Object({ message: Type.String() })]);
export const RotatedKey = Type.Object({ old_key: KeyView, new_key: NewKeyView, message: Type.String() });
export const KeyList = Type.Intersect([Type.Object({ api_keys: Type.Array(KeyView) }), PageInfo]);

export function keyView(k: ApiKey, now = Date.now()) {
  return {
    id: k.id,
    name: k.name,
    key_prefix: displayPrefix(k.lookupPrefix),
    role: k.role,
    tier: k.tier,
    created_by: k.createdBy,
    created_at: k.createdAt.toISOString(),
    expires_at: k.expiresAt?.toISOString() ?? null,
    last_used_at: k.lastUsedAt?.toISOString() ?? null,
    revoked_at: k.revokedAt?.toISOString() ?? null,
    is_active: !(k.revokedAt && k.revokedAt.getTime() <= now) && !(k.expiresAt && k.expiresAt.getTime() <= now),
    usage_count: k.usageCount,
  };
}
