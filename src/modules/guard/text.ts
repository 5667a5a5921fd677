// The caller's text: bounds checks before parsing, offset conversion (the parser reports UTF-8
// byte offsets for nodes and code-point offsets for syntax errors; callers index UTF-16 strings),
// and the sanitized statement, which is always a slice of the caller's own text.
import type { ViolationCode } from './codes.js';

export const DEFAULT_MAX_SQL_BYTES = 102_400;

export interface InputProblem {
  readonly code: ViolationCode;
  readonly message: string;
}

/** Refusals that need no parse. NUL would silently truncate the text the C parser sees. */
export function checkInput(sql: unknown, maxBytes: number): InputProblem | undefined {
  if (typeof sql !== 'string') return { code: 'INVALID_INPUT', message: 'SQL must be a string' };
  const tooLarge = sql.length > maxBytes || (sql.length * 3 > maxBytes && Buffer.byteLength(sql, 'utf8') > maxBytes);
  if (tooLarge) return { code: 'SQL_TOO_LARGE', message: `SQL is larger than ${maxBytes} bytes` };
  if (sql.includes('\u0000')) return { code: 'INVALID_INPUT', message: 'SQL contains a NUL character' };
  if (!(sql as unknown as { isWellFormed(): boolean }).isWellFormed()) {
    return { code: 'INVALID_INPUT', message: 'SQL contains an unpaired UTF-16 surrogate' };
  }
  return undefined;
}

/** Maps parser offsets to UTF-16 indexes; a no-op for ASCII text, computed lazily otherwise. */
export class Offsets {
  private byteStarts: Uint32Array | undefined;
  private cpStarts: Uint32Array | undefined;
  readonly ascii: boolean;

  constructor(private readonly sql: string) {
    this.ascii = Buffer.byteLength(sql, 'utf8') === sql.length;
  }

  private build(): void {
    const bytes: number[] = [];
    const cps: number[] = [];
    let byte = 0;
    for (let i = 0; i < this.sql.length; i++) {
      const code = this.sql.charCodeAt(i);
      const pair = code >= 0xd800 && code <= 0xdbff;
      bytes.push(byte);
      cps.push(i);
      byte += code < 0x80 ? 1 : code < 0x800 ? 2 : pair ? 4 : 3;
      if (pair) i++;
    }
    bytes.push(byte);
    cps.push(this.sql.length);
    this.byteStarts = Uint32Array.from(bytes);
    this.cpStarts = Uint32Array.from(cps);
  }

  /** UTF-8 byte offset → UTF-16 index of the character starting there (or just after it). */
  fromByte(byte: number): number {
    if (this.ascii) return Math.min(byte, this.sql.length);
    if (this.byteStarts === undefined) this.build();
    const starts = this.byteStarts as Uint32Array;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((starts[mid] as number) < byte) lo = mid + 1;
      else hi = mid;
    }
    return (this.cpStarts as Uint32Array)[lo] as number;
  }

  /** Code-point offset → UTF-16 index. */
  fromCodePoint(cp: number): number {
    if (this.ascii) return Math.min(cp, this.sql.length);
    if (this.cpStarts === undefined) this.build();
    const starts = this.cpStarts as Uint32Array;
    return starts[Math.min(cp, starts.length - 1)] as number;
  }
}

// PostgreSQL's scanner whitespace; String.prototype.trim would also strip characters (NBSP…)
// that PostgreSQL treats as part of an identifier.
const PG_SPACE = /^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g;

/** Index of the first non-whitespace character at or after `index`. */
export function skipSpace(sql: string, index: number): number {
  let i = index;
  while (i < sql.length && ' \t\n\r\f\v'.includes(sql.charAt(i))) i++;
  return i;
}

/**
 * The statement exactly as the caller wrote it: the parser's statement range (which excludes
 * the terminating semicolon and anything after it), trimmed of whitespace.
 */
export function statementText(sql: string, offsets: Offsets, stmtLocation = 0, stmtLen = 0): string {
  const start = offsets.fromByte(stmtLocation);
  const end = stmtLen === 0 ? sql.length : offsets.fromByte(stmtLocation + stmtLen);
  return sql.slice(start, end).replace(PG_SPACE, '');
}

/**
 * Row cap by wrapping, never by re-printing. The newlines matter: a trailing `-- comment` in the
 * caller's text would otherwise swallow the closing parenthesis.
 */
export function wrapWithLimit(statement: string, maxRows: number | undefined): string {
  if (maxRows === undefined) return statement;
  return `SELECT * FROM (\n${statement}\n) AS aureus_q LIMIT ${maxRows}`;
}
