// Expression walker: refuses any node kind not listed here, resolves column references and
// feeds their sources into the analysis' current sink (lineage) and predicate set.
import type { ColumnRef, Node, TypeName } from 'libpg-query';
import { A_EXPR_KINDS, OPERATORS, SQL_VALUE_FUNCTIONS, TYPES } from './allowlists.js';
import { ident, type Analysis } from './context.js';
import { funcCall } from './func.js';
import { bodyOf, describeKind, fieldsAllowed, location, nodeType, stringList, type Body } from './nodes.js';
import { AMBIGUOUS, columnOf, findColumn, findRel, type Rel, type Scope } from './scope.js';
import { analyzeQuery } from './select.js';

export function walkList(a: Analysis, list: readonly Node[] | undefined, scope: Scope): void {
  if (list === undefined) return;
  for (const n of list) walkExpr(a, n, scope);
}

export function walkExpr(a: Analysis, node: Node | undefined, scope: Scope): void {
  if (node === undefined) return;
  const type = nodeType(node);
  const body = bodyOf(node, type);
  const handler = HANDLERS.get(type);
  if (handler === undefined) {
    a.violation('UNSUPPORTED_SYNTAX', `${describeKind(type)} is not allowed`, location(body));
    return;
  }
  if (!fieldsAllowed(a, type, body) || !a.enter(location(body))) return;
  handler(a, body, scope);
  a.leave();
}

type Handler = (a: Analysis, body: Body, scope: Scope) => void;

/** Walks the given child fields: kinds with no meaning for the guard beyond their operands. */
function children(lists: readonly string[], singles: readonly string[]): Handler {
  return (a, b, s) => {
    for (const f of lists) walkList(a, b[f] as Node[] | undefined, s);
    for (const f of singles) walkExpr(a, b[f] as Node | undefined, s);
  };
}

const HANDLERS: ReadonlyMap<string, Handler> = new Map(Object.entries({
  BoolExpr: children(['args'], []),
  CoalesceExpr: children(['args'], []),
  MinMaxExpr: children(['args'], []),
  RowExpr: children(['args'], []),
  GroupingFunc: children(['args'], []),
  A_ArrayExpr: children(['elements'], []),
  List: children(['items'], []),
  NullTest: children([], ['arg']),
  BooleanTest: children([], ['arg']),
  NamedArgExpr: children([], ['arg']),
  CaseWhen: children([], ['expr', 'result']),
  A_Indices: children([], ['lidx', 'uidx']),
  JsonIsPredicate: children([], ['expr']),
  A_Const: () => undefined,
  ColumnRef: (a, b, s) => columnRef(a, b as ColumnRef, s),
  FuncCall: (a, b, s) => funcCall(a, b, s),
  A_Expr: aExpr,
  TypeCast: (a, b, s) => {
    checkType(a, b.typeName as TypeName, s);
    walkExpr(a, b.arg as Node | undefined, s);
  },
  SubLink: subLink,
  CaseExpr: (a, b, s) => {
    walkExpr(a, b.arg as Node | undefined, s);
    walkList(a, b.args as Node[] | undefined, s);
    walkExpr(a, b.defresult as Node | undefined, s);
  },
  A_Indirection: (a, b, s) => {
    walkExpr(a, b.arg as Node | undefined, s);
    for (const item of (b.indirection as Node[] | undefined) ?? []) {
      // Field selection on an allowed value is fine; `(x).*` would expand an unknown row type.
      if (nodeType(item) === 'String') continue;
      if (nodeType(item) === 'A_Star') a.violation('UNSUPPORTED_SYNTAX', '(expression).* is not allowed', undefined);
      else walkExpr(a, item, s);
    }
  },
  CollateClause: (a, b, s) => {
    const names = stringList(b.collname as Node[] | undefined);
    if (names === undefined || names.length > 2 || (names.length === 2 && names[0] !== 'pg_catalog')) {
      a.violation('UNSUPPORTED_SYNTAX', 'only built-in collations are allowed', location(b));
    }
    walkExpr(a, b.arg as Node | undefined, s);
  },
  SQLValueFunction: (a, b) => {
    const name = SQL_VALUE_FUNCTIONS.get(b.op as string);
    if (name !== undefined) a.functions.add(name);
    else a.violation('FUNCTION_NOT_ALLOWED', `${String(b.op).replace('SVFOP_', '').toLowerCase()} is not allowed`, location(b));
  },
}));

/** Operator name lists are `[op]` or `[schema, op]` (OPERATOR(schema.op) syntax). */
export function checkOperator(a: Analysis, nameList: readonly Node[] | undefined, loc: number | undefined): void {
  const names = stringList(nameList);
  const op = names?.[names.length - 1];
  const schemaOk = names !== undefined && (names.length === 1 || (names.length === 2 && names[0] === 'pg_catalog'));
  if (op === undefined || !schemaOk || !OPERATORS.has(op)) {
    a.violation('OPERATOR_NOT_ALLOWED', `operator ${ident(names?.join('.') ?? '?')} is not allowed`, loc);
  }
}

function aExpr(a: Analysis, b: Body, s: Scope): void {
  const kind = b.kind as string;
  if (!A_EXPR_KINDS.has(kind)) {
    a.violation('UNSUPPORTED_SYNTAX', `expression kind ${kind} is not allowed`, location(b));
    return;
  }
  // BETWEEN's "name" is the keyword, not an operator; its comparisons are built-in.
  if (!kind.includes('BETWEEN')) checkOperator(a, b.name as Node[] | undefined, location(b));
  walkExpr(a, b.lexpr as Node | undefined, s);
  walkExpr(a, b.rexpr as Node | undefined, s);
}

export function checkType(a: Analysis, tn: TypeName | undefined, s: Scope): void {
  if (tn === undefined) return;
  const body = tn as Body;
  if (!fieldsAllowed(a, 'TypeName', body)) return;
  const names = stringList(tn.names);
  const name = names?.[names.length - 1];
  const schemaOk = names !== undefined && (names.length === 1 || (names.length === 2 && names[0] === 'pg_catalog'));
  if (name === undefined || !schemaOk || !TYPES.has(name)) {
    a.violation('TYPE_NOT_ALLOWED', `type ${ident(names?.join('.') ?? '?')} is not allowed`, location(body));
  }
  walkList(a, tn.typmods, s);
}

function subLink(a: Analysis, b: Body, s: Scope): void {
  const kind = b.subLinkType as string;
  if (kind === 'MULTIEXPR_SUBLINK' || kind === 'CTE_SUBLINK') {
    a.violation('UNSUPPORTED_SYNTAX', `subquery kind ${kind} is not allowed`, location(b));
    return;
  }
  walkExpr(a, b.testexpr as Node | undefined, s);
  if (b.operName !== undefined) checkOperator(a, b.operName as Node[], location(b));
  const cols = analyzeQuery(a, b.subselect as Node, s);
  a.sublinks.set(b, cols);
  // EXISTS ignores its select list; what it reveals is in its WHERE, already a predicate.
  if (kind === 'EXISTS_SUBLINK') return;
  if (cols.some((c) => c.star)) {
    // Compared or returned by position, `*` over a table may bring columns the policy omits.
    a.violation('POSITIONAL_REFERENCE_NOT_ALLOWED', 'a subquery used as a value may not select * from a table; name the columns', location(b));
  }
  for (const c of cols) a.addSources(c.sources);
}

function columnRef(a: Analysis, b: ColumnRef, s: Scope): void {
  const loc = b.location;
  const parts = stringList(b.fields);
  if (parts === undefined) {
    // `t.*` inside an expression (count(t.*), row_to_json(t.*)) is a whole-row reference.
    const names = stringList(b.fields?.slice(0, -1));
    if (names === undefined || names.length < 1 || names.length > 2) {
      a.violation('UNSUPPORTED_SYNTAX', '* is only allowed in the select list', loc);
      return;
    }
    const rel = lookupRel(a, s, names, loc);
    if (rel !== undefined) wholeRow(a, rel, loc);
    return;
  }
  if (parts.length === 1) return bareColumn(a, s, parts[0] as string, loc);
  if (parts.length > 3) {
    a.violation('UNSUPPORTED_SYNTAX', 'database-qualified names are not allowed', loc);
    return;
  }
  const rel = lookupRel(a, s, parts.slice(0, -1), loc);
  if (rel !== undefined) touchNamed(a, rel, parts[parts.length - 1] as string, loc);
}

export function lookupRel(a: Analysis, s: Scope, names: readonly string[], loc: number | undefined): Rel | undefined {
  const [schema, name] = names.length === 2 ? names : [undefined, names[0]];
  const rel = findRel(s, schema, name as string);
  if (rel === AMBIGUOUS) a.violation('AMBIGUOUS_COLUMN', `table reference ${ident(names.join('.'))} is ambiguous`, loc);
  else if (rel === undefined) a.violation('UNKNOWN_COLUMN', `no FROM item named ${ident(names.join('.'))}`, loc);
  else return rel;
  return undefined;
}

function touchNamed(a: Analysis, rel: Rel, name: string, loc: number | undefined): void {
  if (rel.refused === true) return;
  const col = columnOf(rel, name);
  if (col === AMBIGUOUS) a.violation('AMBIGUOUS_COLUMN', `column reference ${ident(name)} is ambiguous`, loc);
  else if (col !== undefined) a.touch(col, rel);
  else if (rel.table !== undefined) {
    a.violation('COLUMN_NOT_ALLOWED', `column ${ident(name)} of ${rel.table.key} is not allowed`, loc);
  } else if (rel.opaque) {
    a.violation('COLUMN_NOT_ALLOWED', `column ${ident(name)} of ${ident(rel.name ?? '?')} is not allowed`, loc);
  } else a.violation('UNKNOWN_COLUMN', `column ${ident(name)} does not exist in ${ident(rel.name ?? '?')}`, loc);
}

function bareColumn(a: Analysis, s: Scope, name: string, loc: number | undefined): void {
  const hit = findColumn(s, name);
  if (hit === AMBIGUOUS) {
    a.violation('AMBIGUOUS_COLUMN', `column reference ${ident(name)} is ambiguous`, loc);
  } else if (hit !== undefined && 'col' in hit) {
    a.touch(hit.col, hit.rel);
  } else {
    // PostgreSQL tries a relation name (whole-row reference) only when no column matched; an
    // opaque item might hold a hidden column of that name, so then it is refused outright.
    const rel = findRel(s, undefined, name);
    if (hit === undefined && rel !== undefined && rel !== AMBIGUOUS) wholeRow(a, rel, loc);
    else if (rel !== undefined && rel !== AMBIGUOUS && rel.opaque) {
      a.violation('WHOLE_ROW_REFERENCE', `whole-row reference to ${ident(name)} is not allowed`, loc);
    } else if (hit !== undefined) {
      if (hit.opaque.refused === true) return;
      const where = hit.opaque.table?.key ?? ident(hit.opaque.name ?? '?');
      a.violation('COLUMN_NOT_ALLOWED', `column ${ident(name)} is not allowed (not in the policy of ${where})`, loc);
    } else a.violation('UNKNOWN_COLUMN', `column ${ident(name)} does not exist`, loc);
  }
}

function wholeRow(a: Analysis, rel: Rel, loc: number | undefined): void {
  if (rel.refused === true) return;
  if (rel.opaque) {
    a.violation('WHOLE_ROW_REFERENCE', `whole-row reference to ${ident(rel.name ?? '?')} is not allowed; name the columns`, loc);
    return;
  }
  for (const c of rel.cols) a.touch(c, rel);
}
