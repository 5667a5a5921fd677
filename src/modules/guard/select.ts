// SELECT analysis: clause by clause, in the order PostgreSQL resolves them, returning the
// statement's output columns with their lineage.
import type { Node, SelectStmt, WindowDef } from 'libpg-query';
import { columnName } from './colname.js';
import type { Analysis } from './context.js';
import { analyzeWith, type SelfRef } from './cte.js';
import { walkExpr } from './expr.js';
import { windowDef } from './func.js';
import { analyzeFrom } from './from.js';
import { bodyOf, fieldsAllowed, nodeType, type Body } from './nodes.js';
import { Scope, type Col } from './scope.js';
import { expandStar, isStarRef, outputScope, sortItems, groupItems } from './targets.js';

const WRITES = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

/** A query in any nested position (subquery, CTE, EXISTS…): only SELECT is acceptable. */
export function analyzeQuery(a: Analysis, node: Node | undefined, parent: Scope | undefined): readonly Col[] {
  const type = node === undefined ? '' : nodeType(node);
  if (node !== undefined && type === 'SelectStmt') return analyzeSelect(a, bodyOf(node, type) as SelectStmt, parent);
  const code = WRITES.has(type) ? 'DATA_MODIFYING_CTE' : 'STATEMENT_NOT_ALLOWED';
  a.violation(code, `${type || 'an empty statement'} is not allowed inside a query`, undefined);
  return [];
}

export function analyzeSelect(a: Analysis, stmt: SelectStmt, parent: Scope | undefined, self?: SelfRef): readonly Col[] {
  if (!fieldsAllowed(a, 'SelectStmt', stmt as Body) || !a.enter(undefined)) return [];
  const { sink, pred, windows, aggregated } = a;
  a.sink = null;
  a.pred = false;
  a.windows = undefined;
  a.aggregated = false;
  const scope = new Scope(parent);
  if (stmt.intoClause !== undefined) a.violation('SELECT_INTO', 'SELECT … INTO creates a table and is not allowed', undefined);
  if (stmt.lockingClause !== undefined) {
    a.violation('ROW_LOCKING', 'row-locking clauses (FOR UPDATE/SHARE) are not allowed', undefined);
  }
  if (stmt.withClause !== undefined) analyzeWith(a, stmt.withClause, scope);
  const kind = stmt.op !== undefined && stmt.op !== 'SETOP_NONE' ? 'setop' : stmt.valuesLists !== undefined ? 'values' : 'simple';
  let cols: readonly Col[] = [];
  if (!unexpectedClauses(a, stmt, kind)) {
    if (kind === 'setop') cols = setOperation(a, stmt, scope, self);
    else if (kind === 'values') cols = values(a, stmt, scope);
    else cols = simpleSelect(a, stmt, scope);
  }
  a.sink = sink;
  a.pred = pred;
  a.windows = windows;
  a.aggregated = aggregated;
  a.leave();
  return cols;
}

const SIMPLE_ONLY = ['targetList', 'fromClause', 'whereClause', 'groupClause', 'havingClause', 'windowClause', 'distinctClause'] as const;

/**
 * Each SELECT form reads only its own clauses; a clause the grammar never puts on that form
 * would go unchecked, so its presence is refused rather than ignored.
 */
function unexpectedClauses(a: Analysis, stmt: SelectStmt, kind: 'setop' | 'values' | 'simple'): boolean {
  const present = (f: keyof SelectStmt): boolean => stmt[f] !== undefined;
  const stray = [
    ...(kind === 'simple' ? [] : SIMPLE_ONLY.filter(present)),
    ...(kind === 'setop' ? [] : (['larg', 'rarg'] as const).filter(present)),
    ...(kind === 'setop' && present('valuesLists') ? ['valuesLists'] : []),
  ];
  if (stray.length === 0) return false;
  a.violation('UNSUPPORTED_SYNTAX', `SelectStmt.${stray[0]} is not supported here`, undefined);
  return true;
}

function simpleSelect(a: Analysis, stmt: SelectStmt, scope: Scope): readonly Col[] {
  analyzeFrom(a, stmt.fromClause, scope);
  if (stmt.whereClause !== undefined) where(a, stmt.whereClause, scope);
  else if (scope.rels.filter((r) => r.colsVisible && r.joinable).length > 1) a.cartesian = true;
  if (stmt.windowClause !== undefined) namedWindows(a, stmt.windowClause, scope);
  const outputs = targetList(a, stmt.targetList, scope);
  a.pred = true;
  groupItems(a, stmt.groupClause, scope, outputs);
  walkExpr(a, stmt.havingClause, scope);
  const distinct = stmt.distinctClause?.filter((n) => nodeType(n) !== '');
  // Plain DISTINCT (an empty item) compares whole rows: how many are left tells which were equal.
  if (distinct !== undefined && distinct.length < (stmt.distinctClause?.length ?? 0)) for (const c of outputs) a.addSources(c.sources);
  sortItems(a, distinct, scope, outputs);
  sortItems(a, stmt.sortClause, scope, outputs);
  walkExpr(a, stmt.limitCount, scope);
  walkExpr(a, stmt.limitOffset, scope);
  a.pred = false;
  const readsTable = scope.rels.some((r) => r.table !== undefined);
  if (readsTable && stmt.whereClause === undefined && stmt.groupClause === undefined && !a.aggregated) {
    a.unfilteredScan = true;
  }
  return outputs;
}

/** WHERE, plus the cartesian heuristic: every joinable FROM item should be touched by it. */
function where(a: Analysis, clause: Node, scope: Scope): void {
  const own = a.touchedRels === null;
  if (own) a.touchedRels = new Set();
  const touched = a.touchedRels as Set<unknown>;
  a.pred = true;
  walkExpr(a, clause, scope);
  a.pred = false;
  if (own) a.touchedRels = null;
  const groups = new Map<number, boolean>();
  for (const rel of scope.rels) {
    if (!rel.joinable) continue;
    groups.set(rel.group, (groups.get(rel.group) ?? false) || touched.has(rel));
  }
  if (groups.size > 1 && [...groups.values()].some((hit) => !hit)) a.cartesian = true;
}

function namedWindows(a: Analysis, list: readonly Node[], scope: Scope): void {
  a.windows = new Map();
  for (const node of list) {
    const w = (node as { WindowDef?: WindowDef }).WindowDef;
    if (w === undefined || w.name === undefined) continue;
    const sources = new Set<string>();
    a.sink = sources;
    windowDef(a, w, scope, false);
    a.sink = null;
    a.windows.set(w.name, sources);
  }
}

function targetList(a: Analysis, list: readonly Node[] | undefined, scope: Scope): Col[] {
  const out: Col[] = [];
  for (const item of list ?? []) {
    const rt = (item as { ResTarget?: Body }).ResTarget;
    if (rt === undefined || !fieldsAllowed(a, 'ResTarget', rt)) continue;
    const val = rt.val as Node | undefined;
    if (isStarRef(val)) {
      expandStar(a, val, scope, out);
      continue;
    }
    const sources = new Set<string>();
    a.sink = sources;
    const computing = a.computing;
    a.computing ||= val === undefined || nodeType(val) !== 'ColumnRef';
    walkExpr(a, val, scope);
    a.computing = computing;
    a.sink = null;
    const name = (rt.name as string | undefined) ?? columnName(val, (b) => a.sublinks.get(b));
    out.push({ name, sources: [...sources], star: false });
  }
  return out;
}

function values(a: Analysis, stmt: SelectStmt, scope: Scope): readonly Col[] {
  const sinks: Set<string>[] = [];
  for (const row of stmt.valuesLists ?? []) {
    const items = (row as { List?: { items?: Node[] } }).List?.items ?? [];
    items.forEach((item, i) => {
      a.sink = sinks[i] ??= new Set();
      const computing = a.computing;
      a.computing ||= nodeType(item) !== 'ColumnRef';
      walkExpr(a, item, scope);
      a.computing = computing;
    });
  }
  a.sink = null;
  const cols = sinks.map((s, i) => ({ name: `column${i + 1}`, sources: [...s], star: false }));
  resultClauses(a, stmt, scope, cols);
  return cols;
}

/** ORDER BY / LIMIT of a VALUES list or set operation: they see only the result columns. */
function resultClauses(a: Analysis, stmt: SelectStmt, scope: Scope, cols: readonly Col[]): void {
  const result = outputScope(scope, cols);
  a.pred = true;
  sortItems(a, stmt.sortClause, result, cols);
  walkExpr(a, stmt.limitCount, scope);
  walkExpr(a, stmt.limitOffset, scope);
  a.pred = false;
}

function setOperation(a: Analysis, stmt: SelectStmt, scope: Scope, self: SelfRef | undefined): readonly Col[] {
  const recursive = self !== undefined && stmt.op === 'SETOP_UNION';
  const left = analyzeSelect(a, stmt.larg as SelectStmt, scope);
  let right: readonly Col[];
  if (recursive) right = recursiveTerm(a, stmt.rarg as SelectStmt, scope, self, left);
  else right = analyzeSelect(a, stmt.rarg as SelectStmt, scope);
  if (stmt.op === 'SETOP_INTERSECT' || stmt.op === 'SETOP_EXCEPT' || (stmt.op === 'SETOP_UNION' && stmt.all !== true)) {
    // Rows survive by comparison with the other arm (UNION without ALL drops equal rows, so its
    // row count confirms a guess): both arms act as predicates.
    for (const c of [...left, ...right]) for (const s of c.sources) a.predicates.add(s);
  }
  const cols = combineArms(left, right, recursive);
  resultClauses(a, stmt, scope, cols);
  return cols;
}

/**
 * Arms pair up by position. With `*` over a base table in an arm the real positions are unknown,
 * and through recursion any column can feed any other: then every column gets every source.
 */
function combineArms(left: readonly Col[], right: readonly Col[], mixAll: boolean): Col[] {
  if (mixAll || left.some((c) => c.star) || right.some((c) => c.star)) {
    const all = new Set<string>();
    for (const c of [...left, ...right]) for (const s of c.sources) all.add(s);
    const sources = [...all];
    const star = !mixAll || left.some((c) => c.star) || right.some((c) => c.star);
    return left.map((c) => ({ name: c.name, sources, star }));
  }
  return left.map((c, i) => {
    const other = right[i];
    if (other === undefined || other.sources.length === 0) return c;
    return { name: c.name, sources: [...new Set([...c.sources, ...other.sources])], star: false };
  });
}

/** Recursive term of WITH RECURSIVE: walked once with the non-recursive columns, then again
 * (violations muted) with every source, so predicates on the recursive reference are complete. */
function recursiveTerm(a: Analysis, rarg: SelectStmt, scope: Scope, self: SelfRef, left: readonly Col[]): readonly Col[] {
  self.entry.cols = self.rename(left);
  const first = analyzeSelect(a, rarg, scope);
  const mixed = combineArms(left, first, true);
  self.entry.cols = self.rename(mixed);
  a.muted++;
  const second = analyzeSelect(a, rarg, scope);
  a.muted--;
  return second;
}
