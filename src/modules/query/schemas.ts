import { Type } from '@sinclair/typebox';
import { PageInfo } from '../../http/pagination.js';
import type { Plan } from './plan.js';
import type { Finished } from './service.js';
import type { QueryRecord } from './types.js';

export const SqlBody = Type.Object(
  {
    sql: Type.String({ minLength: 1, description: 'One read statement; limited to MAX_SQL_BYTES' }),
    dataset_id: Type.String({ format: 'uuid' }),
  },
  { additionalProperties: false },
);
export const QueryParams = Type.Object({ query_id: Type.String({ format: 'uuid' }) });
export const PreferHeaders = Type.Object({ prefer: Type.Optional(Type.String({ maxLength: 200 })) });

const Masking = Type.Union([Type.Literal('redact'), Type.Literal('partial'), Type.Literal('hash'), Type.Literal('email'), Type.Literal('last4'), Type.Null()]);
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Status = Type.Union([Type.Literal('pending'), Type.Literal('running'), Type.Literal('success'), Type.Literal('error'), Type.Literal('cancelled'), Type.Literal('awaiting_approval')]);

export const Accepted = Type.Object({ query_id: Type.String(), status: Status, message: Type.String(), created_at: Type.String() });

const summary = {
  query_id: Type.String({ format: 'uuid' }),
  status: Status,
  dataset_id: Type.String({ format: 'uuid' }),
  user_id: Type.String({ format: 'uuid' }),
  source: Type.String(),
  question: Nullable(Type.String()),
  sql: Nullable(Type.String({ description: 'The statement run (for a question: the model\'s, once written)' })),
  fingerprint: Nullable(Type.String()),
  row_count: Nullable(Type.Integer()),
  truncated: Nullable(Type.Boolean()),
  cached: Type.Boolean(),
  execution_time_ms: Nullable(Type.Integer()),
  error: Nullable(Type.Object({ code: Nullable(Type.String()), message: Type.String() })),
  error_message: Nullable(Type.String()),
  created_at: Type.String(),
  started_at: Nullable(Type.String()),
  finished_at: Nullable(Type.String()),
};
export const QuerySummary = Type.Object(summary);
const LlmView = Type.Object({
  model: Type.String(),
  explanation: Nullable(Type.String()),
  attempts: Type.Array(
    Type.Object({
      sql: Nullable(Type.String()),
      valid: Type.Boolean(),
      violations: Type.Array(Type.String()),
      problem: Nullable(Type.String()),
      prompt_tokens: Type.Integer(),
      completion_tokens: Type.Integer(),
      ms: Type.Integer(),
    }),
  ),
  prompt_tokens: Type.Integer(),
  completion_tokens: Type.Integer(),
  cost_micros: Type.Integer({ description: 'Cost in millionths of a US dollar, at LLM_PRICES' }),
  examples: Type.Integer({ description: 'Verified examples the prompt carried' }),
});

export const QueryView = Type.Object({
  ...summary,
  generated_sql: Nullable(Type.String()),
  llm: Nullable(LlmView),
  message: Nullable(Type.String()),
  columns: Nullable(Type.Array(Type.Object({ name: Type.String(), type: Type.String(), masked: Type.Boolean(), masking: Masking }))),
  rows: Nullable(Type.Array(Type.Array(Type.Unknown()))),
  result_expired: Type.Boolean(),
  result_sha256: Nullable(Type.String()),
  evidence_url: Nullable(Type.String()),
});
export const History = Type.Intersect([Type.Object({ queries: Type.Array(QuerySummary) }), PageInfo]);

export const ValidationView = Type.Object({
  is_valid: Type.Boolean(),
  violations: Type.Array(Type.Object({ code: Type.String(), message: Type.String(), location: Type.Optional(Type.Integer()) })),
  risk_score: Type.Number(),
  fingerprint: Type.String(),
  tables_accessed: Type.Array(Type.String()),
  columns_accessed: Type.Record(Type.String(), Type.Array(Type.String())),
  functions_used: Type.Array(Type.String()),
  predicate_columns: Type.Array(Type.String()),
  output_columns: Type.Array(Type.Object({ name: Type.String(), sources: Type.Array(Type.String()), pii_sources: Type.Array(Type.String()), masking: Masking })),
  row_filters: Type.Array(Type.String()),
  max_rows: Type.Integer(),
  role: Type.String(),
  pii_level: Type.String(),
  masking_note: Type.String(),
});

const MESSAGES: Record<string, string> = {
  pending: 'Query submitted for execution.',
  running: 'Executing query…',
  awaiting_approval: 'Waiting for an approval.',
};

export function summaryView(q: QueryRecord) {
  return {
    query_id: q.id,
    status: q.status,
    dataset_id: q.datasetId,
    user_id: q.userId,
    source: q.source,
    question: q.question,
    sql: q.sql,
    fingerprint: q.fingerprint,
    row_count: q.rowCount,
    truncated: q.truncated,
    cached: q.cached,
    execution_time_ms: q.executionTimeMs,
    error: q.errorMessage && q.status !== 'success' ? { code: q.errorCode, message: q.errorMessage } : null,
    error_message: q.status === 'success' ? null : q.errorMessage,
    created_at: q.createdAt.toISOString(),
    started_at: q.startedAt?.toISOString() ?? null,
    finished_at: q.finishedAt?.toISOString() ?? null,
  };
}

export function queryView(f: Finished) {
  const q = f.record;
  return {
    ...summaryView(q),
    generated_sql: q.source === 'ask' ? q.sql : null,
    llm: q.llm,
    message: MESSAGES[q.status] ?? null,
    columns: q.status === 'success' ? (f.data?.columns ?? q.columns) : null,
    rows: f.data?.rows ?? null,
    result_expired: q.status === 'success' && f.data === null,
    result_sha256: q.resultSha256,
    evidence_url: null,
  };
}

export function acceptedView(q: QueryRecord) {
  return { query_id: q.id, status: q.status, message: MESSAGES[q.status] ?? 'Query submitted for execution.', created_at: q.createdAt.toISOString() };
}

export function validationView(plan: Plan, d: { maxRows: number }, role: string) {
  const v = plan.verdict;
  const partial = plan.level === 'partial';
  return {
    is_valid: plan.violations.length === 0,
    violations: plan.violations,
    risk_score: v.risk_score,
    fingerprint: v.fingerprint,
    tables_accessed: [...v.tables_accessed],
    columns_accessed: Object.fromEntries(Object.entries(v.columns_accessed).map(([k, cols]) => [k, [...cols]])),
    functions_used: [...v.functions_used],
    predicate_columns: [...v.predicate_columns],
    output_columns: plan.outputs.map((o) => {
      const kinds = [...o.pii.values()];
      const masking = kinds.length === 0 || plan.level === 'full' ? null : plan.level === 'redacted' || kinds.length > 1 ? 'redact' : (kinds[0] ?? 'redact');
      return { name: o.name, sources: [...o.sources], pii_sources: [...o.pii.keys()], masking };
    }),
    row_filters: plan.filteredTables,
    max_rows: d.maxRows,
    role,
    pii_level: plan.level,
    masking_note: partial
      ? 'A PII column returned as stored gets its masking kind; a value computed from PII (an expression, a UNION arm) is redacted.'
      : plan.level === 'redacted'
        ? 'Every value derived from a PII column is redacted for your role.'
        : 'Your role sees PII in full.',
  };
}
