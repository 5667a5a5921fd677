// WITH clauses. A CTE is visible to later CTEs and to the query; in WITH RECURSIVE a CTE also
// sees itself (in its recursive term) and, in PostgreSQL, later CTEs too. Forward references are
// refused: resolving them would need a dependency sort, and guessing wrong would attribute a
// CTE's columns to a table of the same name.
import type { Node, SelectStmt, WithClause } from 'libpg-query';
import { ident, type Analysis } from './context.js';
import { fieldsAllowed, location, nodeType, stringList, type Body } from './nodes.js';
import type { Col, CteEntry, Scope } from './scope.js';
import { analyzeSelect } from './select.js';

const WRITES = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

/** Handed to the set-operation analysis of a recursive CTE's body. */
export interface SelfRef {
  readonly entry: CteEntry;
  readonly rename: (cols: readonly Col[]) => readonly Col[];
}

/**
 * Applies a positional column alias list. Refused over columns that came from `*` on a table:
 * the policy's column order need not be the table's, so position i may be a different column.
 */
export function renameCols(
  a: Analysis,
  cols: readonly Col[],
  names: readonly string[] | undefined,
  loc: number | undefined,
  opaque = cols.some((c) => c.star),
): readonly Col[] {
  if (names === undefined || names.length === 0) return cols;
  if (opaque) {
    a.violation('POSITIONAL_REFERENCE_NOT_ALLOWED', 'a column alias list over * of a table is not allowed; name the columns', loc);
    return cols;
  }
  return cols.map((c, i) => (i < names.length ? { ...c, name: names[i] as string } : c));
}

export function analyzeWith(a: Analysis, w: WithClause, scope: Scope): void {
  if (!fieldsAllowed(a, 'WithClause', w as Body)) return;
  const ctes = new Map<string, CteEntry>();
  scope.ctes = ctes;
  const bodies = (w.ctes ?? []).map((n) => (n as { CommonTableExpr?: Body }).CommonTableExpr ?? {});
  if (w.recursive === true) {
    for (const b of bodies) ctes.set(b.ctename as string, { name: b.ctename as string, cols: undefined });
  }
  for (const b of bodies) {
    if (!fieldsAllowed(a, 'CommonTableExpr', b)) continue;
    const name = b.ctename as string;
    const entry = ctes.get(name) ?? { name, cols: undefined };
    entry.cols = cteColumns(a, b, scope, w.recursive === true ? entry : undefined);
    ctes.set(name, entry);
  }
}

function cteColumns(a: Analysis, b: Body, scope: Scope, entry: CteEntry | undefined): readonly Col[] {
  const query = b.ctequery as Node | undefined;
  const type = query === undefined ? '' : nodeType(query);
  const loc = location(b);
  if (type !== 'SelectStmt') {
    const code = WRITES.has(type) ? 'DATA_MODIFYING_CTE' : 'STATEMENT_NOT_ALLOWED';
    a.violation(code, `WITH ${ident(b.ctename as string)} must be a SELECT`, loc);
    return [];
  }
  const names = stringList(b.aliascolnames as Node[] | undefined);
  const rename = (cols: readonly Col[]): readonly Col[] => renameCols(a, cols, names, loc);
  const select = (query as { SelectStmt: SelectStmt }).SelectStmt;
  const self = entry === undefined ? undefined : { entry, rename };
  return rename(analyzeSelect(a, select, scope, self));
}
