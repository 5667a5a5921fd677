// Select-list stars and the clauses that may name result columns (GROUP BY, DISTINCT ON,
// ORDER BY), following PostgreSQL's SQL92 rules for bare names and ordinals.
import type { ColumnRef, Node, SortBy } from 'libpg-query';
import type { Analysis } from './context.js';
import { checkOperator, lookupRel, walkExpr } from './expr.js';
import { fieldsAllowed, nodeType, stringList, type Body } from './nodes.js';
import { Scope, type Col, type Rel } from './scope.js';

export function isStarRef(node: Node | undefined): node is { ColumnRef: ColumnRef } {
  const fields = (node as { ColumnRef?: ColumnRef } | undefined)?.ColumnRef?.fields;
  const lastField = fields?.[fields.length - 1];
  return lastField !== undefined && nodeType(lastField) === 'A_Star';
}

/** Columns `*` yields from a FROM item; over an opaque item their real positions are unknown. */
function starCols(rel: Rel): readonly Col[] {
  if (rel.table !== undefined && rel.cols === rel.table.cols) return rel.table.starCols;
  if (!rel.opaque) return rel.cols;
  return rel.cols.map((c) => (c.star ? c : { ...c, star: true }));
}

export function expandStar(a: Analysis, node: { ColumnRef: ColumnRef }, scope: Scope, out: Col[]): void {
  const ref = node.ColumnRef;
  if (!fieldsAllowed(a, 'ColumnRef', ref as Body)) return;
  const names = stringList(ref.fields?.slice(0, -1));
  let rels: readonly Rel[];
  if (names === undefined || names.length > 2) {
    a.violation('UNSUPPORTED_SYNTAX', 'this form of * is not allowed', ref.location);
    return;
  } else if (names.length === 0) {
    // With no FROM item PostgreSQL rejects the statement itself; nothing is read.
    rels = scope.rels.filter((r) => r.colsVisible);
  } else {
    const rel = lookupRel(a, scope, names, ref.location);
    rels = rel === undefined ? [] : [rel];
  }
  for (const rel of rels) {
    for (const col of starCols(rel)) {
      a.touch(col, rel);
      out.push(col);
    }
    if (rel.opaque) a.starUsed = true;
  }
}

/** A scope whose only item is a result column list (set-operation ORDER BY and friends). */
export function outputScope(parent: Scope, cols: readonly Col[]): Scope {
  const scope = new Scope(parent.parent);
  scope.ctes = parent.ctes;
  scope.rels.push({
    name: undefined, schema: undefined, cols, table: undefined, relVisible: false, colsVisible: true,
    group: 0, joinable: false, opaque: cols.some((c) => c.star),
  });
  return scope;
}

function bareName(node: Node | undefined): string | undefined {
  const parts = stringList((node as { ColumnRef?: ColumnRef } | undefined)?.ColumnRef?.fields);
  return parts?.length === 1 ? parts[0] : undefined;
}

function ordinal(node: Node | undefined): number | undefined {
  const ival = (node as { A_Const?: { ival?: { ival?: number } } } | undefined)?.A_Const?.ival;
  return ival === undefined ? undefined : (ival.ival ?? 0);
}

/** Resolves a result-column reference by ordinal or name; false when it is not one. */
function resultRef(a: Analysis, node: Node | undefined, outputs: readonly Col[], byName: boolean): boolean {
  const n = ordinal(node);
  if (n !== undefined) {
    const col = outputs[n - 1];
    if (col === undefined) a.violation('UNKNOWN_COLUMN', `position ${n} is not in the select list`, undefined);
    else if (outputs.slice(0, n).some((c) => c.star)) {
      // After `*` over a table, position n may be a column the policy does not list.
      a.violation('POSITIONAL_REFERENCE_NOT_ALLOWED', `position ${n} follows * over a table; name the column`, undefined);
    } else a.addSources(col.sources);
    return true;
  }
  const name = byName ? bareName(node) : undefined;
  if (name === undefined) return false;
  const matches = outputs.filter((c) => c.name === name);
  for (const c of matches) a.addSources(c.sources);
  return matches.length > 0;
}

/** ORDER BY and DISTINCT ON: result names and ordinals first, then input expressions. */
export function sortItems(a: Analysis, list: readonly Node[] | undefined, scope: Scope, outputs: readonly Col[]): void {
  for (const item of list ?? []) {
    const sortBy = (item as { SortBy?: SortBy }).SortBy;
    if (sortBy !== undefined) {
      if (!fieldsAllowed(a, 'SortBy', sortBy as Body)) continue;
      if (sortBy.useOp !== undefined) checkOperator(a, sortBy.useOp, sortBy.location);
    }
    const node = sortBy !== undefined ? sortBy.node : item;
    if (!resultRef(a, node, outputs, true)) walkExpr(a, node, scope);
  }
}

function hasLocalColumn(scope: Scope, name: string): boolean {
  return scope.rels.some((r) => r.colsVisible && r.cols.some((c) => c.name === name));
}

/** GROUP BY: input columns win over result names (SQL92), ordinals are result positions. */
export function groupItems(a: Analysis, list: readonly Node[] | undefined, scope: Scope, outputs: readonly Col[]): void {
  for (const item of list ?? []) {
    if (nodeType(item) === 'GroupingSet') {
      const gs = (item as { GroupingSet: Body }).GroupingSet;
      if (fieldsAllowed(a, 'GroupingSet', gs)) groupItems(a, gs.content as Node[] | undefined, scope, outputs);
      continue;
    }
    const name = bareName(item);
    if (name !== undefined && hasLocalColumn(scope, name)) walkExpr(a, item, scope);
    else if (!resultRef(a, item, outputs, true)) walkExpr(a, item, scope);
  }
}
