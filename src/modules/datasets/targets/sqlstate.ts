import { TargetError } from './types.js';

/**
 * SQLSTATE → condition name (PostgreSQL Appendix A) for what callers most often hit. Callers get
 * these names, never the server's message: a message can quote a value (`invalid input syntax for
 * type integer: "Jane Doe"`), which would leak a masked column through an error.
 */
const CONDITIONS: Record<string, string> = {
  '22001': 'string_data_right_truncation',
  '22003': 'numeric_value_out_of_range',
  '22007': 'invalid_datetime_format',
  '22008': 'datetime_field_overflow',
  '22012': 'division_by_zero',
  '22023': 'invalid_parameter_value',
  '2201B': 'invalid_regular_expression',
  '22P02': 'invalid_text_representation',
  '25006': 'read_only_sql_transaction',
  '25001': 'active_sql_transaction',
  '42501': 'insufficient_privilege',
  '42601': 'syntax_error',
  '42703': 'undefined_column',
  '42883': 'undefined_function',
  '42P01': 'undefined_table',
  '53200': 'out_of_memory',
  '54000': 'program_limit_exceeded',
  '55P03': 'lock_not_available',
  '57014': 'query_canceled',
};

export function describeSqlState(code: string): string {
  const name = CONDITIONS[code];
  return name ? `SQLSTATE ${code} ${name}` : `SQLSTATE ${code}`;
}

const UNAVAILABLE = /^(08|53|57P|58|XX)/;

/** A driver error → TargetError, given what Aureus itself did (cancelled on request, gave up on time). */
export function classifyFailure(err: unknown, state: { aborted: boolean; timedOut: boolean; timeoutMs: number }): TargetError {
  if (err instanceof TargetError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const sqlState = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  if (state.aborted) return new TargetError('cancelled', 'The query was cancelled.', sqlState);
  if (state.timedOut || sqlState === '57014') {
    return new TargetError('timeout', `The query ran longer than the dataset's statement timeout (${state.timeoutMs} ms) and was stopped.`, sqlState);
  }
  if (sqlState === undefined || UNAVAILABLE.test(sqlState)) {
    return new TargetError('unavailable', 'The dataset\'s database is unavailable.', sqlState);
  }
  return new TargetError('refused', `The database refused the query (${describeSqlState(sqlState)}).`, sqlState);
}
