// FROM items: tables (checked against the policy), CTE references, subqueries, functions,
// TABLESAMPLE and joins, with PostgreSQL's visibility rules for LATERAL and JOIN.
import type { Alias, JoinExpr, Node, RangeVar } from 'libpg-query';
import { TABLESAMPLE_METHODS } from './allowlists.js';
import { ident, type Analysis } from './context.js';
import { renameCols } from './cte.js';
import { walkExpr, walkList } from './expr.js';
import { rangeFunction } from './from-function.js';
import { bodyOf, describeKind, fieldsAllowed, location, nodeType, stringList, type Body } from './nodes.js';
import { isSystemSchema } from './policy.js';
import { Scope, type Col, type Rel } from './scope.js';
import { analyzeQuery } from './select.js';
import { joinExpr } from './join.js';

export interface FromResult {
  /** Namespace items this FROM item contributes. */
  readonly items: Rel[];
  /** The item as a whole (a join's merged columns). */
  readonly main: Rel;
}

export function analyzeFrom(a: Analysis, list: readonly Node[] | undefined, scope: Scope): void {
  (list ?? []).forEach((node, group) => {
    const result = fromItem(a, node, scope, group, scope.rels.slice());
    if (result !== undefined) scope.rels.push(...result.items);
  });
}

/** Scope for a subquery or function in FROM: outer levels and CTEs, plus `lateral` items. */
export function nestedScope(scope: Scope, lateral: readonly Rel[]): Scope {
  const nested = new Scope(scope.parent);
  nested.ctes = scope.ctes;
  nested.rels.push(...lateral);
  return nested;
}

export function fromItem(a: Analysis, node: Node, scope: Scope, group: number, lateral: readonly Rel[]): FromResult | undefined {
  const type = nodeType(node);
  const body = bodyOf(node, type);
  if (!a.enter(location(body))) return undefined;
  const result = fromItemKind(a, type, body, scope, group, lateral);
  a.leave();
  return result;
}

function fromItemKind(a: Analysis, type: string, body: Body, scope: Scope, group: number, lateral: readonly Rel[]): FromResult | undefined {
  switch (type) {
    case 'RangeVar':
      return single(rangeVar(a, body as RangeVar, scope, group));
    case 'RangeSubselect':
      return single(rangeSubselect(a, body, scope, group, lateral));
    case 'RangeFunction':
      return single(rangeFunction(a, body, nestedScope(scope, lateral), group));
    case 'RangeTableSample':
      return single(tableSample(a, body, scope, group));
    case 'JoinExpr':
      return joinExpr(a, body as JoinExpr, scope, group, lateral);
    default:
      a.violation('UNSUPPORTED_SYNTAX', `${describeKind(type)} is not allowed in FROM`, location(body));
      return undefined;
  }
}

function single(rel: Rel | undefined): FromResult | undefined {
  return rel === undefined ? undefined : { items: [rel], main: rel };
}

export function aliasOf(a: Analysis, alias: Alias | undefined): { name: string | undefined; cols: string[] | undefined } {
  if (alias === undefined) return { name: undefined, cols: undefined };
  fieldsAllowed(a, 'Alias', alias as Body);
  return { name: alias.aliasname, cols: stringList(alias.colnames) };
}

/** Stands in for a refused relation so that references to it add no further noise. */
function refusedRel(name: string, group: number): Rel {
  return {
    name, schema: undefined, cols: [], table: undefined, relVisible: true, colsVisible: true,
    group, joinable: true, opaque: true, refused: true,
  };
}

function rangeVar(a: Analysis, rv: RangeVar, scope: Scope, group: number): Rel | undefined {
  const loc = rv.location;
  if ((rv as Body).catalogname !== undefined) {
    a.violation('UNSUPPORTED_SYNTAX', 'database-qualified names are not allowed', loc);
    return undefined;
  }
  if (!fieldsAllowed(a, 'RangeVar', rv as Body)) return undefined;
  const relname = rv.relname ?? '';
  const alias = aliasOf(a, rv.alias);
  const name = alias.name ?? relname;
  const cte = rv.schemaname === undefined ? scope.findCte(relname) : undefined;
  if (cte !== undefined) {
    if (cte.cols === undefined) {
      a.violation('UNSUPPORTED_SYNTAX', `forward reference to WITH item ${ident(relname)} is not supported`, loc);
      return refusedRel(name, group);
    }
    const cols = renameCols(a, cte.cols, alias.cols, loc);
    const opaque = cols.some((c) => c.star);
    return { name, schema: undefined, cols, table: undefined, relVisible: true, colsVisible: true, group, joinable: true, opaque };
  }
  const schema = rv.schemaname ?? a.policy.defaultSchema;
  const written = rv.schemaname === undefined ? relname : `${schema}.${relname}`;
  // pg_catalog is searched before the default schema, so an unqualified pg_* name is a catalog.
  if (isSystemSchema(schema) || relname.startsWith('pg_')) {
    a.violation('SYSTEM_RELATION', `system relation ${ident(written)} is not allowed`, loc);
    return refusedRel(name, group);
  }
  const table = a.policy.tables.get(`${schema}.${relname}`);
  if (table === undefined) {
    a.violation('RELATION_NOT_ALLOWED', `relation ${ident(written)} is not allowed`, loc);
    return refusedRel(name, group);
  }
  if (alias.cols !== undefined && alias.cols.length > 0) {
    a.violation('POSITIONAL_REFERENCE_NOT_ALLOWED', `a column alias list on ${table.key} is not allowed; alias the columns in the select list`, loc);
  }
  a.tables.add(table.key);
  return {
    name, schema: alias.name === undefined ? schema : undefined, cols: table.cols, table,
    relVisible: true, colsVisible: true, group, joinable: true, opaque: true,
  };
}

function rangeSubselect(a: Analysis, b: Body, scope: Scope, group: number, lateral: readonly Rel[]): Rel | undefined {
  if (!fieldsAllowed(a, 'RangeSubselect', b)) return undefined;
  const isLateral = b.lateral === true;
  const alias = aliasOf(a, b.alias as Alias | undefined);
  const inner = analyzeQuery(a, b.subquery as Node, nestedScope(scope, isLateral ? lateral : []));
  const cols: readonly Col[] = renameCols(a, inner, alias.cols, undefined);
  return {
    name: alias.name, schema: undefined, cols, table: undefined, relVisible: alias.name !== undefined,
    colsVisible: true, group, joinable: !isLateral, opaque: cols.some((c) => c.star),
  };
}

function tableSample(a: Analysis, b: Body, scope: Scope, group: number): Rel | undefined {
  if (!fieldsAllowed(a, 'RangeTableSample', b)) return undefined;
  const method = stringList(b.method as Node[] | undefined);
  const m = method?.[method.length - 1];
  const schemaOk = method !== undefined && (method.length === 1 || (method.length === 2 && method[0] === 'pg_catalog'));
  if (m === undefined || !schemaOk || !TABLESAMPLE_METHODS.has(m)) {
    a.violation('FUNCTION_NOT_ALLOWED', `TABLESAMPLE method ${ident(method?.join('.') ?? '?')} is not allowed`, location(b));
  }
  walkList(a, b.args as Node[] | undefined, scope);
  walkExpr(a, b.repeatable as Node | undefined, scope);
  const relation = b.relation as Node | undefined;
  if (relation === undefined || nodeType(relation) !== 'RangeVar') {
    a.violation('UNSUPPORTED_SYNTAX', 'TABLESAMPLE applies to tables only', location(b));
    return undefined;
  }
  return rangeVar(a, bodyOf(relation, 'RangeVar') as RangeVar, new Scope(undefined), group);
}
