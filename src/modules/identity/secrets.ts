import { randomBytes } from 'node:crypto';
import type { Db } from '../../platform/db/index.js';

/**
 * Outside production, an unset JWT_SECRET_KEY is generated once and kept in the metadata store,
 * so every instance sharing it agrees and restarts don't sign everyone out. Production refuses
 * to start without a configured key (config/production.ts).
 */
export async function resolveJwtSecret(db: Db, configured: string | undefined): Promise<string> {
  if (configured) return configured;
  const candidate = randomBytes(48).toString('base64url');
  await db.query("INSERT INTO settings (key, value) VALUES ('dev_jwt_secret', $1) ON CONFLICT (key) DO NOTHING", [JSON.stringify(candidate)]);
  const { rows } = await db.query<{ value: string }>("SELECT value FROM settings WHERE key = 'dev_jwt_secret'");
  return rows[0]?.value as string;
}
