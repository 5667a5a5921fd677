// The top-level statement: only SELECT (and plain EXPLAIN of one, when the policy allows it).
import type { DefElem, ExplainStmt, Node, SelectStmt } from 'libpg-query';
import { EXPLAIN_OPTIONS } from './allowlists.js';
import { ident, type Analysis } from './context.js';
import { bodyOf, fieldsAllowed, nodeType, type Body } from './nodes.js';
import type { Col } from './scope.js';
import { analyzeSelect } from './select.js';

export interface StatementAnalysis {
  readonly outputs: readonly Col[];
  readonly explain: boolean;
  /** The statement has its own LIMIT / FETCH FIRST. */
  readonly limited: boolean;
}

const NAMES: Readonly<Record<string, string>> = {
  VariableSetStmt: 'SET/RESET',
  VariableShowStmt: 'SHOW',
  TransactionStmt: 'transaction control',
  DeclareCursorStmt: 'DECLARE CURSOR',
  FetchStmt: 'FETCH/MOVE',
  ClosePortalStmt: 'CLOSE',
  GrantStmt: 'GRANT/REVOKE',
  GrantRoleStmt: 'GRANT/REVOKE role',
  CreateTableAsStmt: 'CREATE TABLE AS / SELECT INTO',
  VacuumStmt: 'VACUUM/ANALYZE',
  CopyStmt: 'COPY',
  DoStmt: 'DO',
  CallStmt: 'CALL',
};

/** "AlterTableStmt" → "ALTER TABLE": names the refused kind without echoing the statement. */
function statementName(type: string): string {
  return NAMES[type] ?? type.replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
}

function hasLimit(stmt: SelectStmt): boolean {
  const count = stmt.limitCount as { A_Const?: { isnull?: boolean } } | undefined;
  return count !== undefined && count.A_Const?.isnull !== true;
}

export function analyzeStatement(a: Analysis, stmt: Node, loc: number): StatementAnalysis {
  const type = nodeType(stmt);
  if (type === 'SelectStmt') {
    const select = bodyOf(stmt, type) as SelectStmt;
    return { outputs: analyzeSelect(a, select, undefined), explain: false, limited: hasLimit(select) };
  }
  if (type === 'ExplainStmt') return explain(a, bodyOf(stmt, type) as ExplainStmt, loc);
  a.violation('STATEMENT_NOT_ALLOWED', `${statementName(type)} is not allowed; only SELECT`, loc);
  return { outputs: [], explain: false, limited: false };
}

function explain(a: Analysis, stmt: ExplainStmt, loc: number): StatementAnalysis {
  const refused: StatementAnalysis = { outputs: [], explain: true, limited: false };
  if (!fieldsAllowed(a, 'ExplainStmt', stmt as Body)) return refused;
  let analyze = false;
  for (const node of stmt.options ?? []) {
    const opt = (node as { DefElem?: DefElem }).DefElem;
    const name = opt?.defname ?? '';
    if (name === 'analyze' || name === 'analyse') analyze = true;
    else if (!EXPLAIN_OPTIONS.has(name)) {
      a.violation('UNSUPPORTED_SYNTAX', `EXPLAIN option ${ident(name)} is not allowed`, opt?.location);
    }
  }
  if (analyze) a.violation('EXPLAIN_ANALYZE_NOT_ALLOWED', 'EXPLAIN ANALYZE executes the statement and is not allowed', loc);
  else if (!a.policy.allowExplain) a.violation('EXPLAIN_NOT_ALLOWED', 'EXPLAIN is not allowed by the policy', loc);
  const inner = stmt.query;
  const innerType = inner === undefined ? '' : nodeType(inner);
  if (inner === undefined || innerType !== 'SelectStmt') {
    a.violation('STATEMENT_NOT_ALLOWED', `EXPLAIN of ${statementName(innerType)} is not allowed; only SELECT`, loc);
    return refused;
  }
  analyzeSelect(a, bodyOf(inner, innerType) as SelectStmt, undefined);
  return { outputs: [{ name: 'QUERY PLAN', sources: [], star: false }], explain: true, limited: false };
}
