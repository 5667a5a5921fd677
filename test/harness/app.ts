import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { type Aureus, type Overrides, buildApp } from '../../src/app.js';
import { type VarName, configFrom } from '../../src/config/index.js';
import { createLogging } from '../../src/platform/logger.js';
import { type TestDb, createTestDb } from './db.js';
import { BACKEND, TEST_REDIS_URL } from './env.js';

/** Log lines written by an app, parsed, for assertions (request ids, redaction, levels). */
export class LogCapture extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  readonly raw: string[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      this.raw.push(line);
      this.lines.push(JSON.parse(line) as Record<string, unknown>);
    }
    done();
  }
  find(message: string): Record<string, unknown>[] {
    return this.lines.filter((l) => l.msg === message);
  }
}

export interface TestApp {
  aureus: Aureus;
  logs: LogCapture;
  close(): Promise<void>;
}

export interface TestAppOptions {
  vars?: Partial<Record<VarName, string>>;
  /** Share another app's database (two instances, one store). */
  db?: TestDb;
  overrides?: Omit<Overrides, 'db' | 'logging'>;
}

/** The first admin every test app bootstraps (or finds, on a shared database). */
export const ADMIN = { email: 'admin@test.aureus', password: 'Correct-Horse-Battery-Staple-42' };

/**
 * Behaviour suites send many requests from one address in a few seconds; limits are tested in
 * test/traffic with the real defaults, everywhere else they are out of the way.
 */
export const GENEROUS_LIMITS: Partial<Record<VarName, string>> = {
  RATE_LIMIT_PER_MINUTE: '1000000',
  RATE_LIMIT_AUTH_PER_MINUTE: '1000000',
  RATE_LIMIT_ASK_PER_MINUTE: '1000000',
  RATE_LIMIT_LOGIN_ATTEMPTS: '1000000',
  RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '1000000',
};

/** Variables that put an app on this backend: real Redis with a key prefix of its own on `services`. */
export function backendVars(): Partial<Record<VarName, string>> {
  if (BACKEND !== 'services') return {};
  return { REDIS_URL: TEST_REDIS_URL as string, REDIS_KEY_PREFIX: `aureus:test:${randomBytes(4).toString('hex')}:` };
}

/**
 * A fresh app on this file's backend, logs captured. The caller closes it; a database it created
 * is dropped with it, a shared one is left to its owner.
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const ownDb = options.db ? undefined : await createTestDb();
  const testDb = options.db ?? (ownDb as TestDb);
  const vars = { ENVIRONMENT: 'test', LOG_LEVEL: 'debug', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, ...GENEROUS_LIMITS, ...backendVars(), ...options.vars } as const;
  const config = configFrom(vars);
  const logs = new LogCapture();
  const logging = createLogging({ ...config.log, format: 'json', environment: config.environment, destination: logs });
  const aureus = await buildApp(config, { ...options.overrides, db: testDb.db, logging });
  return {
    aureus,
    logs,
    async close() {
      await aureus.close();
      await ownDb?.close();
    },
  };
}
