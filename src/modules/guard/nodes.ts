// Parse-tree access helpers and the per-node field allowlist. A node kind the walker does not
// handle is refused; so is a known kind carrying a field the walker does not read, so that a
// parser upgrade adding a field cannot smuggle an unchecked subtree past the guard.
import type { Node } from 'libpg-query';
import type { Analysis } from './context.js';

export type { Node };
export type Body = Record<string, unknown>;

/** The single key of a `{ Kind: body }` node. */
export function nodeType(node: Node): string {
  for (const key in node) return key;
  return '';
}

export function bodyOf(node: Node, type: string): Body {
  return (node as unknown as Record<string, Body>)[type] as Body;
}

/** String values of a name list (`[{String:{sval}}…]`); undefined if anything else is in it. */
export function stringList(list: readonly Node[] | undefined): string[] | undefined {
  if (list === undefined) return undefined;
  const out: string[] = [];
  for (const item of list) {
    const s = (item as { String?: { sval?: string } }).String;
    if (s === undefined) return undefined;
    out.push(s.sval ?? '');
  }
  return out;
}

const fields = (s: string): ReadonlySet<string> => new Set(s.trim().split(/\s+/));

const NODE_FIELDS: Readonly<Record<string, ReadonlySet<string>>> = {
  RawStmt: fields('stmt stmt_location stmt_len'),
  SelectStmt: fields(`distinctClause intoClause targetList fromClause whereClause groupClause
    groupDistinct havingClause windowClause valuesLists sortClause limitOffset limitCount
    limitOption lockingClause withClause op all larg rarg`),
  ExplainStmt: fields('query options'),
  DefElem: fields('defname arg defaction location'),
  WithClause: fields('ctes recursive location'),
  CommonTableExpr: fields('ctename aliascolnames ctematerialized ctequery location'),
  ResTarget: fields('name val location'),
  RangeVar: fields('schemaname relname inh relpersistence alias location'),
  Alias: fields('aliasname colnames'),
  JoinExpr: fields('jointype isNatural larg rarg usingClause join_using_alias quals alias'),
  RangeSubselect: fields('lateral subquery alias'),
  RangeFunction: fields('lateral ordinality is_rowsfrom functions alias coldeflist'),
  RangeTableSample: fields('relation method args repeatable location'),
  ColumnDef: fields('colname typeName is_local location'),
  GroupingSet: fields('kind content location'),
  SortBy: fields('node sortby_dir sortby_nulls useOp location'),
  WindowDef: fields('name refname partitionClause orderClause frameOptions startOffset endOffset location'),
  ColumnRef: fields('fields location'),
  A_Const: fields('ival fval boolval sval bsval isnull location'),
  A_Expr: fields('kind name lexpr rexpr location'),
  BoolExpr: fields('boolop args location'),
  FuncCall: fields(`funcname args agg_order agg_filter over agg_within_group agg_star agg_distinct
    func_variadic funcformat location`),
  TypeCast: fields('arg typeName location'),
  TypeName: fields('names typemod typmods arrayBounds location'),
  SubLink: fields('subLinkType testexpr operName subselect location'),
  NullTest: fields('arg nulltesttype location'),
  BooleanTest: fields('arg booltesttype location'),
  CaseExpr: fields('arg args defresult location'),
  CaseWhen: fields('expr result location'),
  CoalesceExpr: fields('args location'),
  MinMaxExpr: fields('op args location'),
  A_ArrayExpr: fields('elements location'),
  RowExpr: fields('args row_format location'),
  A_Indirection: fields('arg indirection'),
  A_Indices: fields('is_slice lidx uidx'),
  CollateClause: fields('arg collname location'),
  SQLValueFunction: fields('op typmod location'),
  GroupingFunc: fields('args location'),
  NamedArgExpr: fields('arg name argnumber location'),
  List: fields('items'),
  JsonIsPredicate: fields('expr format item_type unique_keys location'),
  JsonFormat: fields('format_type encoding location'),
};

/** False (and a violation) when `body` has a field outside the allowlist for `type`. */
export function fieldsAllowed(a: Analysis, type: string, body: Body): boolean {
  const allowed = NODE_FIELDS[type];
  if (allowed === undefined) return false;
  for (const key in body) {
    if (!allowed.has(key)) {
      a.violation('UNSUPPORTED_SYNTAX', `${type}.${key} is not supported`, location(body));
      return false;
    }
  }
  return true;
}

export function location(body: Body | undefined): number | undefined {
  const loc = body?.location;
  return typeof loc === 'number' ? loc : undefined;
}

/** Human name for a refused node kind; keeps messages useful without echoing the input. */
export function describeKind(type: string): string {
  if (type.startsWith('Xml')) return 'XML expressions';
  if (type.startsWith('Json')) return 'SQL/JSON syntax';
  if (type === 'ParamRef') return 'parameters ($n)';
  if (type === 'RangeTableFunc') return 'XMLTABLE';
  if (type === 'SetToDefault') return 'DEFAULT';
  if (type === 'MultiAssignRef') return 'multiple assignment';
  return `syntax element ${type}`;
}
