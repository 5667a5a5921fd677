// Result column names as PostgreSQL derives them (FigureColname in parse_target.c), so that the
// names in output_columns match what the server returns and the executor can compare them.
import type { Node } from 'libpg-query';
import { SQL_VALUE_FUNCTIONS } from './allowlists.js';
import type { Col } from './scope.js';
import { bodyOf, nodeType, stringList, type Body } from './nodes.js';

interface Named {
  readonly name: string;
  /** 2 = a real name, 1 = a fallback ("case", "array") a cast may override, 0 = none. */
  readonly strength: number;
}

const NONE: Named = { name: '?column?', strength: 0 };

function last(list: readonly Node[] | undefined): string | undefined {
  const names = stringList(list);
  return names?.[names.length - 1];
}

function figure(node: Node | undefined, subqueryCols: (sublink: Body) => readonly Col[] | undefined): Named {
  if (node === undefined) return NONE;
  const type = nodeType(node);
  const b: Body = bodyOf(node, type);
  switch (type) {
    case 'ColumnRef': {
      const name = last(b.fields as Node[]);
      return name === undefined ? NONE : { name, strength: 2 };
    }
    case 'A_Indirection': {
      const name = last(((b.indirection as Node[]) ?? []).slice(-1));
      return name === undefined ? figure(b.arg as Node, subqueryCols) : { name, strength: 2 };
    }
    case 'FuncCall': {
      const name = last(b.funcname as Node[]);
      return name === undefined ? NONE : { name, strength: 2 };
    }
    case 'A_Expr':
      return b.kind === 'AEXPR_NULLIF' ? { name: 'nullif', strength: 2 } : NONE;
    case 'TypeCast': {
      const inner = figure(b.arg as Node, subqueryCols);
      if (inner.strength > 1) return inner;
      const typeName = last((b.typeName as Body | undefined)?.names as Node[] | undefined);
      return typeName === undefined ? inner : { name: typeName, strength: 1 };
    }
    case 'CollateClause':
      return figure(b.arg as Node, subqueryCols);
    case 'SubLink':
      return sublinkName(b, subqueryCols);
    case 'CaseExpr':
      return { name: 'case', strength: 1 };
    case 'A_ArrayExpr':
      return { name: 'array', strength: 1 };
    case 'RowExpr':
      return { name: 'row', strength: 1 };
    case 'CoalesceExpr':
      return { name: 'coalesce', strength: 2 };
    case 'MinMaxExpr':
      return { name: b.op === 'IS_GREATEST' ? 'greatest' : 'least', strength: 2 };
    case 'GroupingFunc':
      return { name: 'grouping', strength: 2 };
    case 'SQLValueFunction':
      return { name: SQL_VALUE_FUNCTIONS.get(b.op as string) ?? '?column?', strength: 2 };
    default:
      return NONE;
  }
}

function sublinkName(b: Body, subqueryCols: (sublink: Body) => readonly Col[] | undefined): Named {
  if (b.subLinkType === 'EXISTS_SUBLINK') return { name: 'exists', strength: 2 };
  if (b.subLinkType === 'ARRAY_SUBLINK') return { name: 'array', strength: 2 };
  if (b.subLinkType === 'EXPR_SUBLINK') {
    const first = subqueryCols(b)?.[0];
    return first === undefined ? NONE : { name: first.name, strength: 2 };
  }
  return NONE;
}

/** The name PostgreSQL gives an unaliased select-list expression. */
export function columnName(node: Node | undefined, subqueryCols: (sublink: Body) => readonly Col[] | undefined): string {
  return figure(node, subqueryCols).name;
}
