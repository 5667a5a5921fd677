// The closed set of violation codes. Codes are a contract (audit rows, CI output, the LLM repair
// loop key on them): docs/guard.md documents each one and a test fails when one is missing there
// or has no example in test/guard/fixtures/code-examples.json.
export const VIOLATION_CODES = {
  SQL_TOO_LARGE: 'The input is larger than maxSqlBytes; refused before parsing.',
  INVALID_INPUT: 'The input is not a string, or holds a NUL character or unpaired surrogate.',
  SYNTAX_ERROR: 'PostgreSQL\'s parser rejected the text.',
  EMPTY_STATEMENT: 'Nothing but whitespace, comments or semicolons.',
  MULTIPLE_STATEMENTS: 'More than one statement.',
  STATEMENT_NOT_ALLOWED: 'A statement other than a query (DML, DDL, DCL, session, transaction, utility).',
  EXPLAIN_NOT_ALLOWED: 'EXPLAIN while the policy does not set allow_explain.',
  EXPLAIN_ANALYZE_NOT_ALLOWED: 'EXPLAIN ANALYZE (it executes the statement); never allowed.',
  DATA_MODIFYING_CTE: 'A WITH item that is not a query (INSERT/UPDATE/DELETE/MERGE).',
  SELECT_INTO: 'SELECT … INTO creates a table.',
  ROW_LOCKING: 'FOR UPDATE / NO KEY UPDATE / SHARE / KEY SHARE.',
  UNSUPPORTED_SYNTAX: 'A syntax form or parse-tree node that is not on the allowlist.',
  NESTING_TOO_DEEP: 'Expressions or subqueries nested deeper than the guard analyses.',
  SYSTEM_RELATION: 'A catalog, statistics or other system relation or schema.',
  RELATION_NOT_ALLOWED: 'A relation that is not in the policy.',
  COLUMN_NOT_ALLOWED: 'A column that is not in the policy for its table.',
  UNKNOWN_COLUMN: 'A column or table reference that does not resolve to anything in scope.',
  AMBIGUOUS_COLUMN: 'An unqualified column that more than one FROM item provides.',
  WHOLE_ROW_REFERENCE: 'A whole-row reference to a table (it would carry columns beyond the policy).',
  POSITIONAL_REFERENCE_NOT_ALLOWED: 'A column alias list, ordinal or row comparison over `*` of a table, whose column order the guard cannot know.',
  FUNCTION_NOT_ALLOWED: 'A function that is not on the safe list, or is denied by the policy.',
  OPERATOR_NOT_ALLOWED: 'An operator that is not on the safe list.',
  TYPE_NOT_ALLOWED: 'A cast or type that is not on the safe list (reg* and oid types included).',
  POLICY_INVALID: 'The policy itself is malformed.',
  INTERNAL_ERROR: 'The analysis failed unexpectedly; the guard fails closed.',
} as const satisfies Record<string, string>;

export type ViolationCode = keyof typeof VIOLATION_CODES;
