import { EventEmitter } from 'node:events';
import type { RunField, RunRequest, RunResult } from './types.js';
import { quoteIdent } from './types.js';

interface Connection {
  stream: { cork?(): void; uncork?(): void };
  parse(msg: { text: string; name?: string }): void;
  bind(msg: { portal?: string; statement?: string; values?: (string | null)[] }): void;
  describe(msg: { type: 'P' | 'S'; name?: string }): void;
  execute(msg: { portal?: string; rows?: number }): void;
  sync(): void;
}
interface WireField {
  name: string;
  tableID: number;
  columnID: number;
  dataTypeID: number;
}

/**
 * The read-only transaction's setup. One SELECT of set_config(…, true) is SET LOCAL for every
 * setting at once: search_path pinned to the default schema then pg_temp (guard guarantee 3), the
 * timeouts, and the settings that decide how text is read and values are printed.
 */
export function setupStatements(request: Pick<RunRequest, 'defaultSchema' | 'timeoutMs'>): string[] {
  const timeout = Math.max(1, Math.floor(request.timeoutMs));
  const settings: [string, string][] = [
    ['search_path', `${quoteIdent(request.defaultSchema)}, pg_temp`],
    ['statement_timeout', String(timeout)],
    ['lock_timeout', String(Math.min(timeout, 2000))],
    ['idle_in_transaction_session_timeout', String(timeout + 10_000)],
    ['standard_conforming_strings', 'on'],
    ['TimeZone', 'UTC'],
    ['DateStyle', 'ISO, YMD'],
    ['IntervalStyle', 'postgres'],
  ];
  const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
  return ['BEGIN TRANSACTION READ ONLY', `SELECT ${settings.map(([k, v]) => `pg_catalog.set_config(${literal(k)}, ${literal(v)}, true)`).join(', ')}`];
}

/**
 * What survives a ROLLBACK and so must be cleared after it: session advisory locks and prepared
 * statements. (Settings, including set_config(…, false), temporary objects, LISTEN and held cursors
 * of a transaction that never commits all end with it.)
 */
export const TEARDOWN = ['ROLLBACK', 'SELECT pg_catalog.pg_advisory_unlock_all()', 'DEALLOCATE ALL'];

/**
 * One statement in one round trip: BEGIN READ ONLY, the settings, the caller's statement (extended
 * protocol: a second statement in its text is a protocol error), ROLLBACK and the session cleanup,
 * written together and closed by a single Sync. Rows are kept in text form, up to `maxRows` (one more
 * is fetched to know the result was cut) and `maxBytes`. When anything fails the server skips to the
 * Sync; `failed` then tells the caller the transaction still needs its ROLLBACK and cleanup.
 */
export class PipelinedRun extends EventEmitter {
  readonly name = undefined;
  private completes = 0;
  private phase: 'setup' | 'query' | 'teardown' = 'setup';
  private fields: RunField[] = [];
  private rows: (string | null)[][] = [];
  private bytes = 0;
  private truncated = false;
  private finished = false;
  /** Set when the byte cap is crossed: the caller cancels the statement rather than read on. */
  overBytes = false;

  constructor(
    private readonly request: RunRequest,
    private readonly done: (err: Error | undefined, result: RunResult | undefined, failed: boolean) => void,
    private readonly onOverBytes: () => void,
  ) {
    super();
  }

  submit(connection: Connection): void {
    const setup = setupStatements(this.request);
    connection.stream.cork?.();
    try {
      for (const text of setup) this.simple(connection, text);
      connection.parse({ text: this.request.sql });
      connection.bind({ values: this.request.params });
      connection.describe({ type: 'P' });
      connection.execute({ rows: this.request.maxRows + 1 });
      for (const text of TEARDOWN) this.simple(connection, text);
      connection.sync();
    } finally {
      connection.stream.uncork?.();
    }
  }

  private simple(connection: Connection, text: string): void {
    connection.parse({ text });
    connection.bind({});
    connection.execute({ rows: 0 });
  }

  handleRowDescription(msg: { fields: WireField[] }): void {
    if (this.phase !== 'query') return;
    this.fields = msg.fields.map((f) => ({ name: f.name, typeOid: f.dataTypeID, tableOid: f.tableID, column: f.columnID }));
  }

  handleDataRow(msg: { fields: (string | null)[] }): void {
    if (this.phase !== 'query' || this.truncated) return;
    let size = 0;
    for (const f of msg.fields) size += f === null ? 1 : f.length + 1;
    if (this.rows.length >= this.request.maxRows || this.bytes + size > this.request.maxBytes) {
      this.truncated = true;
      if (this.bytes + size > this.request.maxBytes && !this.overBytes) {
        this.overBytes = true;
        this.onOverBytes();
      }
      return;
    }
    this.rows.push(msg.fields);
    this.bytes += size;
  }

  private advance(): void {
    this.completes++;
    if (this.phase === 'setup' && this.completes === 2) this.phase = 'query';
    else if (this.phase === 'query') this.phase = 'teardown';
  }

  handleCommandComplete(): void {
    this.advance();
  }

  handlePortalSuspended(): void {
    // More rows than the cap: the rest stay unread and the portal ends with the transaction.
    this.truncated = true;
    this.advance();
  }

  handleEmptyQuery(): void {
    this.advance();
  }

  // pg drops the active query when an error arrives, so the ReadyForQuery after the Sync never
  // reaches it: the run ends here. The transaction is then still open (the server skipped the
  // teardown), which `failed` tells the caller; pg queues the caller's reset until the Sync's
  // ReadyForQuery.
  handleError(err: Error): void {
    if (this.finished) return;
    this.finished = true;
    // A cancel sent because the byte cap was crossed ends the statement; what was read stands.
    if (this.phase === 'query' && this.overBytes && (err as { code?: string }).code === '57014') {
      return this.done(undefined, { fields: this.fields, rows: this.rows, truncated: true }, true);
    }
    this.done(err, undefined, true);
  }

  handleReadyForQuery(): void {
    if (this.finished) return;
    this.finished = true;
    this.done(undefined, { fields: this.fields, rows: this.rows, truncated: this.truncated }, false);
  }

  handleCopyInResponse(): void {}
  handleCopyData(): void {}
}
