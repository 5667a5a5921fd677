// A deliberately small SQL scanner for the fuzz properties: it splits text into protected
// regions (string literals, quoted identifiers, dollar quotes, comments — including the newline
// that ends a line comment) and free text, so that mutations can change case and whitespace
// without changing what the statement means.
export interface Region {
  readonly text: string;
  /** Free text: ASCII case and whitespace runs may be changed here. */
  readonly free: boolean;
}

const DOLLAR = /^\$([A-Za-z_\u0080-\uffff][A-Za-z_0-9\u0080-\uffff]*)?\$/;

function quotedEnd(sql: string, start: number, quote: string, backslash: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const ch = sql[i];
    if (backslash && ch === '\\') i += 2;
    else if (ch === quote && sql[i + 1] === quote) i += 2;
    else if (ch === quote) return i + 1;
    else i++;
  }
  return sql.length;
}

function blockCommentEnd(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return sql.length;
}

/** End of the protected region starting at `i`, or -1 when `i` starts free text. */
function protectedEnd(sql: string, i: number): number {
  const ch = sql[i];
  if (sql.startsWith('--', i)) {
    const nl = sql.slice(i).search(/[\n\r]/);
    return nl < 0 ? sql.length : i + nl + 1;
  }
  if (sql.startsWith('/*', i)) return blockCommentEnd(sql, i);
  if (ch === "'") {
    const prev = sql[i - 1] ?? '';
    return quotedEnd(sql, i, "'", /[eE]/.test(prev) && !/[A-Za-z0-9_]/.test(sql[i - 2] ?? ''));
  }
  if (ch === '"') return quotedEnd(sql, i, '"', false);
  if (ch === '$' && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? '')) {
    const tag = DOLLAR.exec(sql.slice(i))?.[0];
    if (tag !== undefined) {
      const close = sql.indexOf(tag, i + tag.length);
      return close < 0 ? sql.length : close + tag.length;
    }
  }
  return -1;
}

export function regions(sql: string): Region[] {
  const out: Region[] = [];
  let free = '';
  let i = 0;
  while (i < sql.length) {
    const end = protectedEnd(sql, i);
    if (end < 0) {
      free += sql[i];
      i++;
      continue;
    }
    if (free !== '') out.push({ text: free, free: true });
    free = '';
    out.push({ text: sql.slice(i, end), free: false });
    i = end;
  }
  if (free !== '') out.push({ text: free, free: true });
  return out;
}
