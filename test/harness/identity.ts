import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { Role } from '../../src/modules/identity/index.js';
import { ADMIN, type TestApp } from './app.js';

export interface Session {
  accessToken: string;
  refreshToken: string;
  userId: string;
  organizationId: string;
  email: string;
  password: string;
  auth: { authorization: string };
}

export async function login(t: TestApp, email: string, password: string): Promise<Session> {
  const response = await t.aureus.server.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } });
  expect(response.statusCode, response.body).toBe(200);
  const body = response.json();
  return {
    accessToken: body.access_token,
    refreshToken: body.refresh_token,
    userId: body.user.id,
    organizationId: body.user.organization_id,
    email,
    password,
    auth: { authorization: `Bearer ${body.access_token}` },
  };
}

export const loginAdmin = (t: TestApp) => login(t, ADMIN.email, ADMIN.password);

/** A user of the given role (in the admin's organization unless another is given), signed in. */
export async function userWithRole(t: TestApp, role: Role, options: { organizationId?: string; team?: string } = {}): Promise<Session> {
  const { identity } = t.aureus.modules;
  const organizationId = options.organizationId ?? (await identity.users.organizationBySlug('default'))?.id;
  if (!organizationId) throw new Error('no organization');
  const email = `${role}-${randomBytes(4).toString('hex')}@test.aureus`;
  const password = `pw-${randomBytes(12).toString('hex')}`;
  await identity.users.create(null, organizationId, { email, role, password, ...(options.team ? { team: options.team } : {}) });
  return login(t, email, password);
}

/** A second tenant with its own admin, for cross-organization (BOLA) tests. */
export async function otherOrganization(t: TestApp, name = `Other ${randomBytes(3).toString('hex')}`) {
  const organizationId = await t.aureus.modules.identity.users.createOrganization(name, 'business');
  const admin = await userWithRole(t, 'admin', { organizationId });
  return { organizationId, admin };
}
