/**
 * A dataset's database as the query path sees it: run one statement inside a read-only
 * transaction that is always rolled back, with hard limits, and cancel it for real.
 */
export interface RunRequest {
  /** Exactly the text to run (the guard's sanitized_sql, possibly behind Aureus's row-filter CTEs). */
  sql: string;
  /** Bound with the extended protocol; the guard refuses `$n` in caller SQL, so every one is Aureus's. */
  params: (string | null)[];
  defaultSchema: string;
  timeoutMs: number;
  maxRows: number;
  maxBytes: number;
}

/** A result column as the server described it; `tableOid`/`column` are non-zero only for a plain column reference. */
export interface RunField {
  name: string;
  typeOid: number;
  tableOid: number;
  column: number;
}

export interface RunResult {
  fields: RunField[];
  /** Values in PostgreSQL's text form (decoded later), null for NULL. */
  rows: (string | null)[][];
  /** The row or byte cap cut the result short. */
  truncated: boolean;
}

export type FailureKind = 'timeout' | 'cancelled' | 'refused' | 'unavailable';

/**
 * Why a run failed. `refused` is the database saying no to the statement (SQLSTATE in `sqlState`);
 * `unavailable` is the connection, pool or server failing — the only kind a breaker counts.
 */
export class TargetError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly sqlState?: string,
  ) {
    super(message);
    this.name = 'TargetError';
  }
}

export interface Target {
  readonly kind: 'postgres' | 'demo';
  /** Aborting the signal cancels the statement on the server (or ends the engine running it). */
  run(request: RunRequest, signal: AbortSignal): Promise<RunResult>;
  close(): Promise<void>;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Opens the read-only transaction every statement runs in. Aureus's own text only (the schema is
 * quoted, the numbers are integers). `standard_conforming_strings`, the time zone and date style are
 * pinned per transaction: a role or database default must not change how the guard's text is read
 * or how values are printed.
 */
export function beginSql(request: Pick<RunRequest, 'defaultSchema' | 'timeoutMs'>, role?: string): string {
  const timeout = Math.max(1, Math.floor(request.timeoutMs));
  return [
    'BEGIN TRANSACTION READ ONLY',
    ...(role ? [`SET LOCAL ROLE ${quoteIdent(role)}`] : []),
    `SET LOCAL search_path = ${quoteIdent(request.defaultSchema)}, pg_temp`,
    `SET LOCAL statement_timeout = ${timeout}`,
    `SET LOCAL lock_timeout = ${Math.min(timeout, 2000)}`,
    `SET LOCAL idle_in_transaction_session_timeout = ${timeout + 10_000}`,
    'SET LOCAL standard_conforming_strings = on',
    "SET LOCAL TimeZone = 'UTC'",
    "SET LOCAL DateStyle = 'ISO, YMD'",
    "SET LOCAL IntervalStyle = 'postgres'",
  ].join(';\n');
}

/**
 * Ends the statement's transaction and clears whatever it could have left on the session: the
 * transaction is rolled back (never committed), then everything DISCARD ALL resets except session
 * authorization (a login role cannot change it) — it cannot run in one round trip with ROLLBACK.
 */
export const RESET_SQL = [
  'ROLLBACK',
  'RESET ALL',
  'DEALLOCATE ALL',
  'CLOSE ALL',
  'UNLISTEN *',
  'SELECT pg_advisory_unlock_all()',
  'DISCARD TEMP',
  'DISCARD SEQUENCES',
].join(';\n');
