/**
 * The permission matrix of seed 002 §6.2, as data: enforcement (the auth hook and services) and
 * docs/security/access-matrix.md are both generated from it, so they cannot drift apart.
 */
export const ROLES = ['viewer', 'analyst', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const TIERS = ['free', 'startup', 'business', 'enterprise'] as const;
export type Tier = (typeof TIERS)[number];

/** How much of a PII value a role sees (seed 002: viewer redacted, analyst/approver partial, admin full). */
export type PiiLevel = 'redacted' | 'partial' | 'full';
/** Whose objects a role sees: its own, its team's, or the whole organization's. */
export type Scope = 'own' | 'team' | 'all';

interface PermissionSpec {
  label: string;
  roles: Partial<Record<Role, Scope | true>>;
}

export const PERMISSIONS = {
  'auth.self': { label: 'Own session and profile (me, logout)', roles: { viewer: true, analyst: true, approver: true, admin: true } },
  'api_keys.manage': { label: 'Own API keys (create, list, rotate, revoke); admins: the organization\'s', roles: { viewer: 'own', analyst: 'own', approver: 'own', admin: 'all' } },
  'query.execute': { label: 'Query execution (viewers: datasets approved for viewers only)', roles: { viewer: true, analyst: true, approver: true, admin: true } },
  'query.read': { label: 'View query results', roles: { viewer: 'own', analyst: 'own', approver: 'all', admin: 'all' } },
  'dataset.read': { label: 'List and read datasets', roles: { viewer: true, analyst: true, approver: true, admin: true } },
  'dataset.manage': { label: 'Create dataset', roles: { admin: true } },
  'approval.submit': { label: 'Submit approval', roles: { analyst: true, approver: true, admin: true } },
  'approval.decide': { label: 'Approve request', roles: { approver: true, admin: true } },
  'audit.read': { label: 'View audit trail', roles: { viewer: 'own', analyst: 'own', approver: 'team', admin: 'all' } },
  'audit.security': { label: 'Security events and evidence verification', roles: { approver: true, admin: true } },
  'users.manage': { label: 'Manage users', roles: { admin: true } },
  'admin.operate': { label: 'Kill switch, log level, tiers and budgets', roles: { admin: true } },
} as const satisfies Record<string, PermissionSpec>;

export type Permission = keyof typeof PERMISSIONS;

export const PII_LEVEL: Record<Role, PiiLevel> = { viewer: 'redacted', analyst: 'partial', approver: 'partial', admin: 'full' };

const RANK: Record<Role, number> = { viewer: 0, analyst: 1, approver: 2, admin: 3 };

export function isPermission(name: string): name is Permission {
  return Object.hasOwn(PERMISSIONS, name);
}

/** Unknown permission or role → deny. */
export function can(role: Role, permission: string): boolean {
  if (!isPermission(permission)) return false;
  return (PERMISSIONS[permission].roles as Partial<Record<Role, unknown>>)[role] !== undefined;
}

/** The scope a role has for a permission, or undefined when it has none. */
export function scopeOf(role: Role, permission: Permission): Scope | undefined {
  const grant = (PERMISSIONS[permission].roles as Partial<Record<Role, Scope | true>>)[role];
  if (grant === undefined) return undefined;
  return grant === true ? 'all' : grant;
}

export function roleAtMost(role: Role, ceiling: Role): boolean {
  return RANK[role] <= RANK[ceiling];
}

export function tierAtMost(tier: Tier, ceiling: Tier): boolean {
  return TIERS.indexOf(tier) <= TIERS.indexOf(ceiling);
}

/** docs/security/access-matrix.md, generated from the table above. */
export function renderAccessMatrix(routes: { method: string; url: string; auth: string; permission?: string }[]): string {
  const cell = (grant: Scope | true | undefined) => (grant === undefined ? '❌' : grant === true ? '✅' : `✅ (${grant})`);
  const lines = [
    '# Access matrix',
    '',
    'Generated from `src/modules/identity/rbac.ts` and the route table (`npm run docs:access`); a test fails when stale.',
    'Unknown permissions and roles are denied; another organization\'s or another user\'s object is `RESOURCE_NOT_FOUND`.',
    '',
    '| permission | meaning | viewer | analyst | approver | admin |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const [name, spec] of Object.entries(PERMISSIONS) as [Permission, PermissionSpec][]) {
    lines.push(`| \`${name}\` | ${spec.label} | ${ROLES.map((r) => cell(spec.roles[r])).join(' | ')} |`);
  }
  lines.push('', '| PII | viewer | analyst | approver | admin |', '| --- | --- | --- | --- | --- |');
  lines.push(`| masking | ${ROLES.map((r) => PII_LEVEL[r]).join(' | ')} |`);
  lines.push('', '## Routes', '', '| method | path | auth | permission |', '| --- | --- | --- | --- |');
  const listed = routes.filter((r) => r.method !== 'HEAD' && !r.url.startsWith('/docs'));
  for (const r of [...listed].sort((a, b) => a.url.localeCompare(b.url) || a.method.localeCompare(b.method))) {
    lines.push(`| ${r.method} | \`${r.url}\` | ${r.auth} | ${r.permission ? `\`${r.permission}\`` : '—'} |`);
  }
  return `${lines.join('\n')}\n`;
}
