import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { type Db, inTransaction } from './types.js';

export interface Migration {
  version: number;
  name: string;
  file: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;
/** One constant key: every process that migrates this database queues on the same lock. */
const LOCK_KEY = 4_711_000_001;

/** Reads the chain from disk; a misnamed file, a duplicate or a gap stops here, naming the file. */
export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  const migrations = files.map((file) => {
    const match = FILE.exec(file);
    if (!match) throw new MigrationError(`Migration file ${file} is not named NNNN_name.sql`);
    const sql = readFileSync(`${dir}/${file}`, 'utf8');
    return {
      version: Number(match[1]),
      name: match[2] as string,
      file,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    };
  });
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new MigrationError(`Migration chain has a gap: expected version ${String(i + 1).padStart(4, '0')}, found ${m.file}`);
    }
  });
  return migrations;
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

function checkApplied(applied: AppliedRow[], chain: Migration[]): void {
  const byVersion = new Map(chain.map((m) => [m.version, m]));
  for (const row of applied) {
    const file = byVersion.get(row.version);
    const label = `${String(row.version).padStart(4, '0')}_${row.name}`;
    if (!file) throw new MigrationError(`Migration ${label} is applied in the database but its file is missing`);
    if (file.checksum !== row.checksum) {
      throw new MigrationError(`Migration ${file.file} was edited after it was applied (checksum differs); add a new migration instead`);
    }
  }
  const highest = applied.reduce((max, r) => Math.max(max, r.version), 0);
  const appliedSet = new Set(applied.map((r) => r.version));
  for (const m of chain) {
    if (m.version < highest && !appliedSet.has(m.version)) {
      throw new MigrationError(`Migration ${m.file} is older than the newest applied migration but was never applied (out of order)`);
    }
  }
}

/**
 * Applies pending migrations in order, each in its own transaction, under an advisory lock so that
 * concurrent starters queue and the second one finds nothing to do.
 */
export async function migrate(db: Db, logger: Logger, chain: Migration[] = loadMigrations()): Promise<string[]> {
  return db.session(async (session) => {
    await session.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    try {
      await session.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now())`);
      const { rows } = await session.query<AppliedRow>('SELECT version, name, checksum FROM schema_migrations ORDER BY version');
      checkApplied(rows, chain);
      const done = new Set(rows.map((r) => r.version));
      const applied: string[] = [];
      for (const m of chain.filter((x) => !done.has(x.version))) {
        await inTransaction(session, async () => {
          await session.exec(m.sql);
          await session.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, m.checksum]);
        });
        logger.info({ migration: m.file }, 'db.migration_applied');
        applied.push(m.file);
      }
      return applied;
    } finally {
      await session.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
    }
  });
}
