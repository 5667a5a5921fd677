/**
 * What every route declares (STYLE.md "Request flow"): how callers authenticate, which permission
 * it needs, and which operational rules apply. A route without `auth` fails app start-up, and a
 * non-public route without `permission` too, so nothing is reachable by omission.
 */
export type AuthMode = 'public' | 'user' | 'api_key' | 'either';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthMode;
    /** A permission name from the RBAC matrix; required unless `auth` is public. */
    permission?: string;
    /** Rate-limit bucket; `false` exempts the route (ops endpoints). */
    rateLimit?: string | false;
    /** Health, metrics and docs: no kill switch, no rate limit, no https redirect. */
    ops?: boolean;
    /** Still served while the kill switch is on (admin, audit). */
    killSwitchExempt?: boolean;
  }
}

export interface DeclaredRoute {
  method: string;
  url: string;
  auth: AuthMode | undefined;
  permission: string | undefined;
}

/** Routes that plugins register (OpenAPI UI, CORS preflight) are public operational routes. */
export function isPluginRoute(method: string | string[], url: string): boolean {
  if (url.startsWith('/docs')) return true;
  const methods = Array.isArray(method) ? method : [method];
  return methods.includes('OPTIONS') && (url === '*' || url === '/*');
}

export function routeProblems(routes: DeclaredRoute[]): string[] {
  const problems: string[] = [];
  for (const r of routes) {
    if (r.auth === undefined) problems.push(`${r.method} ${r.url} declares no auth mode`);
    else if (r.auth !== 'public' && r.permission === undefined) problems.push(`${r.method} ${r.url} declares no permission`);
  }
  return problems;
}
