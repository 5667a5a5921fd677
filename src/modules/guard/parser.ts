// PostgreSQL's own parser (libpg_query compiled to WASM). Loaded once per process; after that,
// parsing is synchronous so validation has no await on its hot path.
import { hasSqlDetails, loadModule, parseSync, type Node } from 'libpg-query';

let loading: Promise<void> | undefined;

export function loadParser(): Promise<void> {
  loading ??= loadModule();
  return loading;
}

export interface ParsedStatement {
  readonly stmt: Node;
  readonly location: number;
  readonly length: number;
}

export type ParseOutcome =
  | { readonly ok: true; readonly statements: readonly ParsedStatement[] }
  | { readonly ok: false; readonly message: string; readonly cursor: number | undefined };

/** Parse errors come back as values; the parser's message names a token, never the whole text. */
export function parse(sql: string): ParseOutcome {
  try {
    const tree = parseSync(sql) as { stmts?: { stmt?: Node; stmt_location?: number; stmt_len?: number }[] };
    const statements = (tree.stmts ?? []).map((raw) => ({
      stmt: raw.stmt ?? ({} as Node),
      location: raw.stmt_location ?? 0,
      length: raw.stmt_len ?? 0,
    }));
    return { ok: true, statements };
  } catch (error) {
    if (hasSqlDetails(error)) {
      return { ok: false, message: error.sqlDetails.message, cursor: error.sqlDetails.cursorPosition };
    }
    return { ok: false, message: 'the parser could not process the text', cursor: undefined };
  }
}
