// Function calls (wherever they appear: select list, WHERE, FROM, ORDER BY, window and aggregate
// clauses), ordering items and window definitions.
import type { Node, SortBy, WindowDef } from 'libpg-query';
import { ident, type Analysis } from './context.js';
import { checkOperator, walkExpr, walkList } from './expr.js';
import { AGGREGATE_FUNCTIONS, BUILTIN_FUNCTIONS, SET_RETURNING_FUNCTIONS } from './functions.js';
import { fieldsAllowed, location, stringList, type Body } from './nodes.js';
import type { CompiledPolicy } from './policy.js';
import type { Scope } from './scope.js';

export interface FunctionName {
  readonly schema: string | undefined;
  readonly name: string;
}

export function functionName(list: readonly Node[] | undefined): FunctionName | undefined {
  const names = stringList(list);
  if (names === undefined || names.length < 1 || names.length > 2) return undefined;
  return names.length === 2 ? { schema: names[0], name: names[1] as string } : { schema: undefined, name: names[0] as string };
}

/** Unqualified names resolve to pg_catalog first (PostgreSQL searches it before search_path). */
function functionAllowed(policy: CompiledPolicy, fn: FunctionName): boolean {
  const { schema, name } = fn;
  const builtin = BUILTIN_FUNCTIONS.has(name);
  const effective = schema ?? (builtin ? 'pg_catalog' : policy.defaultSchema);
  if (policy.fnDeny.has(name) || policy.fnDeny.has(`${effective}.${name}`)) return false;
  if (effective === 'pg_catalog') return builtin;
  return policy.fnAllow.has(`${effective}.${name}`) || (effective === policy.defaultSchema && policy.fnAllow.has(name));
}

function displayName(fn: FunctionName): string {
  return fn.schema === undefined || fn.schema === 'pg_catalog' ? fn.name : `${fn.schema}.${fn.name}`;
}

/** Checks and records the function itself; false when it is refused. */
function checkFunction(a: Analysis, list: readonly Node[] | undefined, loc: number | undefined): boolean {
  const fn = functionName(list);
  if (fn === undefined) {
    a.violation('FUNCTION_NOT_ALLOWED', 'function name is not allowed', loc);
    return false;
  }
  a.functions.add(displayName(fn));
  if (functionAllowed(a.policy, fn)) return true;
  a.violation('FUNCTION_NOT_ALLOWED', `function ${ident(displayName(fn))} is not allowed`, loc);
  return false;
}

export function funcCall(a: Analysis, b: Body, s: Scope): void {
  const loc = location(b);
  checkFunction(a, b.funcname as Node[] | undefined, loc);
  const fn = functionName(b.funcname as Node[] | undefined);
  if (fn !== undefined && b.over === undefined && AGGREGATE_FUNCTIONS.has(fn.name)) a.aggregated = true;
  const savedPred = a.pred;
  // A set-returning function's arguments decide how many rows there are: they act as predicates.
  if (fn !== undefined && SET_RETURNING_FUNCTIONS.has(fn.name)) a.pred = true;
  walkList(a, b.args as Node[] | undefined, s);
  a.pred = savedPred;
  // An aggregate's ORDER BY and FILTER shape its value and select rows: both lineage and predicate.
  a.pred = true;
  walkSortList(a, b.agg_order as Node[] | undefined, s);
  walkExpr(a, b.agg_filter as Node | undefined, s);
  a.pred = savedPred;
  if (b.over !== undefined) windowDef(a, b.over as WindowDef, s, true);
}

function walkSortList(a: Analysis, list: readonly Node[] | undefined, s: Scope): void {
  for (const item of list ?? []) {
    const sortBy = (item as { SortBy?: SortBy }).SortBy;
    if (sortBy === undefined) {
      walkExpr(a, item, s);
      continue;
    }
    if (!fieldsAllowed(a, 'SortBy', sortBy as Body)) continue;
    if (sortBy.useOp !== undefined) checkOperator(a, sortBy.useOp, sortBy.location);
    walkExpr(a, sortBy.node, s);
  }
}

/**
 * A window's PARTITION BY / ORDER BY are predicate columns, and also part of the lineage of the
 * function computed over it (rank() over (order by salary) reveals the salary order).
 */
export function windowDef(a: Analysis, w: WindowDef, s: Scope, inCall: boolean): void {
  if (!fieldsAllowed(a, 'WindowDef', w as Body)) return;
  const ref = w.refname ?? (inCall ? w.name : undefined);
  if (ref !== undefined) {
    const named = a.windows?.get(ref);
    if (named === undefined) a.violation('UNKNOWN_COLUMN', `window ${ident(ref)} does not exist`, w.location);
    else a.addSources(named);
  }
  const savedPred = a.pred;
  a.pred = true;
  walkList(a, w.partitionClause, s);
  walkSortList(a, w.orderClause, s);
  a.pred = savedPred;
  walkExpr(a, w.startOffset, s);
  walkExpr(a, w.endOffset, s);
}
