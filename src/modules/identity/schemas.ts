import { Type, type Static } from '@sinclair/typebox';
import { PageInfo } from '../../http/pagination.js';
import { ROLES, TIERS } from './rbac.js';
import type { User } from './repo.js';

export const RoleSchema = Type.Union([Type.Literal('viewer'), Type.Literal('analyst'), Type.Literal('approver'), Type.Literal('admin')]);
export const TierSchema = Type.Union([Type.Literal('free'), Type.Literal('startup'), Type.Literal('business'), Type.Literal('enterprise')]);
// The literal lists above must stay the RBAC table's; a mismatch fails to compile.
const _roles: readonly Static<typeof RoleSchema>[] = ROLES;
const _tiers: readonly Static<typeof TierSchema>[] = TIERS;
void _roles;
void _tiers;
const Email = Type.String({ format: 'email', maxLength: 254 });
// Length is checked by the password policy, with a clear message; the schema only bounds the input.
const Password = Type.String({ minLength: 1, maxLength: 1024 });
// Null first: with type coercion on, ajv would turn null into "" when trying the string branch.
const Team = Type.Union([Type.Null(), Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9 ._-]+$' })]);

export const UserView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  email: Type.String(),
  full_name: Type.String(),
  role: RoleSchema,
  team: Type.Union([Type.String(), Type.Null()]),
  organization_id: Type.String({ format: 'uuid' }),
  is_active: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
  last_login_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type UserView = Static<typeof UserView>;

export function userView(u: User): UserView {
  return {
    id: u.id,
    email: u.email,
    full_name: u.fullName,
    role: u.role,
    team: u.team,
    organization_id: u.organizationId,
    is_active: u.isActive,
    created_at: u.createdAt.toISOString(),
    last_login_at: u.lastLoginAt?.toISOString() ?? null,
  };
}

export const LoginBody = Type.Object({ email: Email, password: Password }, { additionalProperties: false });
export const RefreshBody = Type.Object({ refresh_token: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }, { additionalProperties: false });
export const TokenPair = Type.Object({
  access_token: Type.String(),
  refresh_token: Type.String(),
  token_type: Type.Literal('bearer'),
  expires_in: Type.Integer(),
  user: UserView,
});

export const CreateUserBody = Type.Object(
  { email: Email, role: RoleSchema, full_name: Type.Optional(Type.String({ maxLength: 200 })), team: Type.Optional(Team), password: Type.Optional(Password) },
  { additionalProperties: false },
);
export const CreatedUser = Type.Object({ user: UserView, password: Type.Optional(Type.String()) });
export const UpdateUserBody = Type.Object(
  { role: Type.Optional(RoleSchema), team: Type.Optional(Team), is_active: Type.Optional(Type.Boolean()), full_name: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false, minProperties: 1 },
);
export const UserList = Type.Intersect([Type.Object({ users: Type.Array(UserView) }), PageInfo]);
export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
