import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role, can, renderAccessMatrix } from '../../src/modules/identity/index.js';
import { type TestApp, createTestApp } from '../harness/app.js';
import { type Session, userWithRole } from '../harness/identity.js';

let t: TestApp;
const sessions = {} as Record<Role, Session>;
beforeAll(async () => {
  t = await createTestApp();
  for (const role of ROLES) sessions[role] = await userWithRole(t, role);
  await t.aureus.server.ready();
});
afterAll(() => t.close());

const PROBE_ID = '00000000-0000-4000-8000-000000000000';
const protectedRoutes = () =>
  t.aureus.server.declaredRoutes.filter((r) => r.auth !== 'public' && r.method !== 'HEAD' && !(r.method === 'POST' && r.url === '/v1/auth/logout'));

function probe(method: string, url: string, headers: Record<string, string>) {
  // Bodies that no schema accepts, so an allowed request stops at validation and changes nothing.
  const withBody = ['POST', 'PATCH', 'PUT'].includes(method);
  return t.aureus.server.inject({
    method: method as 'GET',
    url: url.replace(/:[a-z_]+/g, PROBE_ID),
    headers,
    ...(withBody ? { payload: { __probe__: true } } : {}),
  });
}

describe('route table', () => {
  it('declares an auth mode on every route and a known permission on every protected one', () => {
    for (const route of t.aureus.server.declaredRoutes) {
      expect(route.auth, `${route.method} ${route.url}`).toBeDefined();
      if (route.auth !== 'public') expect(ROLES.some((r) => can(r, route.permission as string)) || route.permission === undefined, route.url).toBe(true);
    }
    expect(protectedRoutes().length).toBeGreaterThan(10);
  });

  it('answers 401 on every protected route without a credential', async () => {
    for (const route of protectedRoutes()) {
      const response = await probe(route.method, route.url, {});
      expect(response.statusCode, `${route.method} ${route.url}`).toBe(401);
      expect(response.json().error.code).toBe('AUTHENTICATION_FAILED');
    }
  });

  it('enforces the matrix: every role × every route', async () => {
    const outcomes: string[] = [];
    for (const route of protectedRoutes()) {
      for (const role of ROLES) {
        const response = await probe(route.method, route.url, sessions[role].auth);
        const allowed = can(role, route.permission as string);
        outcomes.push(`${role} ${route.method} ${route.url} → ${response.statusCode}`);
        if (allowed) expect([401, 403], `${role} ${route.method} ${route.url}`).not.toContain(response.statusCode);
        else expect(response.statusCode, `${role} ${route.method} ${route.url}`).toBe(403);
      }
    }
    expect(outcomes.length).toBe(protectedRoutes().length * ROLES.length);
  });

  it('denies unknown permissions to every role', () => {
    for (const role of ROLES) expect(can(role, 'root.everything')).toBe(false);
  });
});

describe('docs/security/access-matrix.md', () => {
  it('is generated from the RBAC table and the live routes (run `npm run docs:access`)', () => {
    const expected = renderAccessMatrix(t.aureus.server.declaredRoutes.filter((r) => !r.url.startsWith('/test/')).map((r) => ({ ...r, auth: r.auth as string })));
    expect(readFileSync('docs/security/access-matrix.md', 'utf8')).toBe(expected);
  });
});
