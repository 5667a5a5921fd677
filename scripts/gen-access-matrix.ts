// Regenerates docs/security/access-matrix.md from the RBAC table and the live route table.
import { mkdirSync, writeFileSync } from 'node:fs';
import pino from 'pino';
import { buildApp } from '../src/app.js';
import { configFrom } from '../src/config/index.js';
import { createPgliteDb } from '../src/platform/db/index.js';
import { createLogging } from '../src/platform/logger.js';
import { renderAccessMatrix } from '../src/modules/identity/index.js';

const db = await createPgliteDb({ echo: false, logger: pino({ level: 'silent' }) });
const config = configFrom({ ENVIRONMENT: 'test', ADMIN_PASSWORD: 'docs-generator-password-0' });
const app = await buildApp(config, { db, logging: createLogging({ level: 'silent', format: 'json', environment: 'test' }), announce: () => undefined });
await app.server.ready();
mkdirSync('docs/security', { recursive: true });
writeFileSync('docs/security/access-matrix.md', renderAccessMatrix(app.server.declaredRoutes.filter((r) => r.auth !== undefined).map((r) => ({ ...r, auth: r.auth as string }))));
await app.close();
await db.close();
console.log('wrote docs/security/access-matrix.md');
