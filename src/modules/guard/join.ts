// JOIN: merges USING/NATURAL columns, analyses ON in the join's own namespace, and applies
// PostgreSQL's visibility rule (children stay visible by table name only; an alias hides them).
import type { JoinExpr, Node } from 'libpg-query';
import { ident, type Analysis } from './context.js';
import { renameCols } from './cte.js';
import { walkExpr } from './expr.js';
import { aliasOf, fromItem, nestedScope, type FromResult } from './from.js';
import { fieldsAllowed, stringList, type Body } from './nodes.js';
import { AMBIGUOUS, columnOf, type Col, type Rel, type Scope } from './scope.js';

function naturalNames(left: readonly Col[], right: readonly Col[]): string[] {
  const rightNames = new Set(right.map((c) => c.name));
  return [...new Set(left.map((c) => c.name).filter((n) => rightNames.has(n)))];
}

function side(a: Analysis, rel: Rel, name: string): Col | undefined {
  const col = columnOf(rel, name);
  if (col === AMBIGUOUS) a.violation('AMBIGUOUS_COLUMN', `join column ${ident(name)} is ambiguous`, undefined);
  else if (col === undefined && rel.opaque) a.violation('COLUMN_NOT_ALLOWED', `join column ${ident(name)} is not allowed`, undefined);
  else if (col === undefined) a.violation('UNKNOWN_COLUMN', `join column ${ident(name)} does not exist`, undefined);
  else return col;
  return undefined;
}

/** USING / NATURAL: compared (predicate) and merged into one output column per name. */
function mergeColumns(a: Analysis, left: Rel, right: Rel, names: readonly string[]): Col[] {
  const merged: Col[] = [];
  const { pred } = a;
  a.pred = true;
  for (const name of names) {
    const l = side(a, left, name);
    const r = side(a, right, name);
    if (l === undefined || r === undefined) continue;
    a.touch(l, left);
    a.touch(r, right);
    merged.push({ name, sources: [...new Set([...l.sources, ...r.sources])], star: l.star || r.star });
  }
  a.pred = pred;
  return merged;
}

export function joinExpr(a: Analysis, j: JoinExpr, scope: Scope, group: number, lateral: readonly Rel[]): FromResult | undefined {
  if (!fieldsAllowed(a, 'JoinExpr', j as Body)) return undefined;
  const left = fromItem(a, j.larg as Node, scope, group, lateral);
  // The right side may reference the left side laterally.
  const right = fromItem(a, j.rarg as Node, scope, group, [...lateral, ...(left?.items ?? [])]);
  if (left === undefined || right === undefined) return undefined;
  const using = j.isNatural === true ? naturalNames(left.main.cols, right.main.cols) : (stringList(j.usingClause) ?? []);
  const merged = mergeColumns(a, left.main, right.main, using);
  const children = [...left.items, ...right.items];
  if (j.quals !== undefined) {
    const quals = nestedScope(scope, children);
    const { pred } = a;
    a.pred = true;
    walkExpr(a, j.quals, quals);
    a.pred = pred;
  } else if (using.length === 0 && j.jointype === 'JOIN_INNER' && left.main.joinable && right.main.joinable) {
    a.cartesian = true;
  }
  const usingSet = new Set(using);
  const cols = [
    ...merged,
    ...left.main.cols.filter((c) => !usingSet.has(c.name)),
    ...right.main.cols.filter((c) => !usingSet.has(c.name)),
  ];
  const alias = aliasOf(a, j.alias);
  const opaque = left.main.opaque || right.main.opaque;
  const main: Rel = {
    name: alias.name, schema: undefined, cols: renameCols(a, cols, alias.cols, undefined, opaque), table: undefined,
    relVisible: alias.name !== undefined, colsVisible: true, group,
    joinable: left.main.joinable || right.main.joinable, opaque,
  };
  const items: Rel[] = [];
  if (alias.name === undefined) {
    for (const child of children) child.colsVisible = false;
    items.push(...children);
  }
  const usingAlias = aliasOf(a, j.join_using_alias);
  if (usingAlias.name !== undefined) {
    items.push({
      name: usingAlias.name, schema: undefined, cols: merged, table: undefined, relVisible: true,
      colsVisible: false, group, joinable: false, opaque: false,
    });
  }
  items.push(main);
  return { items, main };
}
