import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { configFrom } from '../../src/config/index.js';
import { createLogging } from '../../src/platform/logger.js';
import { ADMIN, LogCapture, type TestApp, createTestApp } from '../harness/app.js';
import { createTestDb } from '../harness/db.js';
import { loginAdmin } from '../harness/identity.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ vars: { LOG_LEVEL: 'trace' } });
});
afterAll(() => t.close());

const inject = (options: InjectOptions) => t.aureus.server.inject(options);

async function allRows(): Promise<string> {
  const tables = ['users', 'refresh_tokens', 'api_keys', 'audit_events', 'security_events', 'settings', 'revoked_tokens'];
  const dumps = await Promise.all(tables.map(async (table) => JSON.stringify((await t.aureus.db.query(`SELECT * FROM ${table}`)).rows)));
  return dumps.join('\n');
}

describe('secrets never leak', () => {
  it('keeps passwords, refresh tokens and API key secrets out of every log line, later response and stored row', async () => {
    const admin = await loginAdmin(t);
    const password = 'a-secret-passphrase-for-scanning';
    const created = (await inject({ method: 'POST', url: '/v1/admin/users', headers: admin.auth, payload: { email: 'scan@bank.example', role: 'analyst', password } })).json();
    const session = (await inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'scan@bank.example', password } })).json();
    await inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'scan@bank.example', password: 'wrong-secret-guess-1' } });
    const refreshed = (await inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: session.refresh_token } })).json();
    const auth = { authorization: `Bearer ${refreshed.access_token}` };
    const key = (await inject({ method: 'POST', url: '/v1/auth/api-keys', headers: auth, payload: { name: 'scan' } })).json();
    const rotated = (await inject({ method: 'POST', url: `/v1/auth/api-keys/${key.id}/rotate`, headers: auth, payload: {} })).json();

    const secrets = [password, 'wrong-secret-guess-1', session.refresh_token, refreshed.refresh_token, key.key_value, rotated.new_key.key_value, ADMIN.password];
    const later = [
      (await inject({ method: 'GET', url: '/v1/auth/api-keys', headers: auth })).body,
      (await inject({ method: 'GET', url: '/v1/auth/me', headers: auth })).body,
      (await inject({ method: 'GET', url: `/v1/admin/users/${created.user.id}`, headers: admin.auth })).body,
      (await inject({ method: 'GET', url: '/v1/admin/users', headers: admin.auth })).body,
    ].join('\n');
    const logs = t.logs.raw.join('\n');
    const rows = await allRows();
    expect(t.logs.raw.length).toBeGreaterThan(10);
    for (const secret of secrets) {
      expect(logs, 'logs').not.toContain(secret);
      expect(later, 'responses').not.toContain(secret);
      expect(rows, 'rows').not.toContain(secret);
    }
    expect(rows).toContain('$argon2id$v=19$m=19456,t=2,p=1$');
  });
});

describe('bootstrap', () => {
  it('creates the first admin with a generated password printed once, never logged', async () => {
    const testDb = await createTestDb();
    // A snapshot without users: start from a database where the harness admin was never created.
    await testDb.db.query('SELECT 1');
    const printed: string[] = [];
    const logs = new LogCapture();
    const config = configFrom({ ENVIRONMENT: 'test', ADMIN_EMAIL: 'first@bank.example', LOG_LEVEL: 'trace' });
    const logging = createLogging({ ...config.log, environment: 'test', destination: logs });
    try {
      const first = await buildApp(config, { db: testDb.db, logging, redis: null, announce: (text) => printed.push(text) });
      await first.close();
      expect(printed).toHaveLength(1);
      const password = /password: (\S+)/.exec(printed[0] as string)?.[1] as string;
      expect(password).toMatch(/^[A-Za-z0-9]{20}$/);
      expect(logs.raw.join('\n')).not.toContain(password);
      const second = await buildApp(config, { db: testDb.db, logging, redis: null, announce: (text) => printed.push(text) });
      const response = await second.server.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'first@bank.example', password } });
      expect(response.statusCode).toBe(200);
      expect(response.json().user.role).toBe('admin');
      await second.close();
      expect(printed).toHaveLength(1);
    } finally {
      await testDb.close();
    }
  });
});
