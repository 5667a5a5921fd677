// Functions in FROM, including ROWS FROM (…) and WITH ORDINALITY. Each function is checked like
// any other call; its columns derive from every argument (lateral references included).
import type { Node, TypeName } from 'libpg-query';
import { ident, type Analysis } from './context.js';
import { checkType, walkExpr } from './expr.js';
import { renameCols } from './cte.js';
import { aliasOf } from './from.js';
import { functionName } from './func.js';
import { RECORD_FUNCTIONS, srfColumns } from './functions.js';
import { fieldsAllowed, nodeType, type Body } from './nodes.js';
import type { Col, Rel, Scope } from './scope.js';

interface FunctionItem {
  readonly call: Node | undefined;
  readonly coldefs: readonly Node[] | undefined;
}

function items(b: Body): FunctionItem[] {
  const out: FunctionItem[] = [];
  for (const entry of (b.functions as Node[] | undefined) ?? []) {
    const list = (entry as { List?: { items?: Node[] } }).List?.items ?? [];
    const coldefs = (list[1] as { List?: { items?: Node[] } } | undefined)?.List?.items;
    out.push({ call: list[0], coldefs });
  }
  return out;
}

function coldefNames(a: Analysis, coldefs: readonly Node[], s: Scope): string[] {
  const names: string[] = [];
  for (const node of coldefs) {
    const def = (node as { ColumnDef?: Body }).ColumnDef;
    if (def === undefined || !fieldsAllowed(a, 'ColumnDef', def)) continue;
    checkType(a, def.typeName as TypeName | undefined, s);
    names.push(def.colname as string);
  }
  return names;
}

/** Column names of one function, as PostgreSQL names them. */
function columnNames(a: Analysis, item: FunctionItem, coldefs: readonly Node[] | undefined, alias: string | undefined, s: Scope): string[] {
  if (coldefs !== undefined) return coldefNames(a, coldefs, s);
  const fn = functionName((item.call as { FuncCall?: Body } | undefined)?.FuncCall?.funcname as Node[] | undefined);
  if (fn === undefined) return [];
  if (RECORD_FUNCTIONS.has(fn.name)) {
    a.violation('UNSUPPORTED_SYNTAX', `${ident(fn.name)} in FROM needs a column definition list`, undefined);
    return [];
  }
  return [...(srfColumns(fn.name) ?? [alias ?? fn.name])];
}

export function rangeFunction(a: Analysis, b: Body, s: Scope, group: number): Rel | undefined {
  if (!fieldsAllowed(a, 'RangeFunction', b)) return undefined;
  const alias = aliasOf(a, b.alias as Body | undefined);
  const fns = items(b);
  const cols: Col[] = [];
  let firstName: string | undefined;
  for (const item of fns) {
    const call = item.call;
    if (call === undefined || nodeType(call) !== 'FuncCall') {
      a.violation('UNSUPPORTED_SYNTAX', 'only function calls are allowed in ROWS FROM', undefined);
      continue;
    }
    firstName ??= functionName((call as { FuncCall: Body }).FuncCall.funcname as Node[] | undefined)?.name;
    const sources = new Set<string>();
    const { sink } = a;
    a.sink = sources;
    walkExpr(a, call, s);
    a.sink = sink;
    const coldefs = item.coldefs ?? (fns.length === 1 ? (b.coldeflist as Node[] | undefined) : undefined);
    const scalarAlias = fns.length === 1 && b.is_rowsfrom !== true ? alias.name : undefined;
    const list = [...sources];
    for (const name of columnNames(a, item, coldefs, scalarAlias, s)) cols.push({ name, sources: list, star: false });
  }
  if (b.ordinality === true) cols.push({ name: 'ordinality', sources: [], star: false });
  const name = alias.name ?? firstName;
  return {
    name, schema: undefined, cols: renameCols(a, cols, alias.cols, undefined), table: undefined,
    relVisible: name !== undefined, colsVisible: true, group, joinable: false, opaque: false,
  };
}
