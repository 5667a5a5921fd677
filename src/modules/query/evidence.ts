import type { EvidenceInput } from '../audit/index.js';
import type { Outcome } from './execute.js';
import type { QueryRecord } from './types.js';

/**
 * A query's evidence pack (seed 002 §4.2, DESIGN.md §8), less what the audit module adds itself
 * (who, when, request id, signature): the question, the SQL that ran, the guard's verdict, the
 * policies applied, the masking plan, the dataset, and what came back — its row count and the
 * result's SHA-256, never its rows. For a question also the model, each statement it wrote with its
 * verdict, and the tokens spent. Written for executed and refused queries, with their event.
 */
export function queryEvidence(q: QueryRecord, outcome: Outcome, event: EvidenceInput['event']): EvidenceInput {
  const plan = outcome.plan;
  const verdict = plan?.verdict;
  const passed = (ok: boolean) => (ok ? 'passed' : 'failed');
  return {
    kind: 'query',
    subjectId: q.id,
    actor: { userId: q.userId, email: q.claims.email, role: q.role, organizationId: q.organizationId, apiKeyId: q.apiKeyId },
    snapshot: {
      source: q.source,
      question: q.question,
      sql: q.sql,
      // A question's model, every statement it wrote with the guard's verdict, and the tokens.
      ...(q.source === 'ask' ? { llm: q.llm, injection: outcome.injection ?? null } : {}),
      sanitized_sql: verdict?.sanitized_sql || null,
      dataset_id: q.datasetId,
      policy_version: q.policyVersion,
      guard: verdict
        ? { is_valid: verdict.is_valid, violations: plan.violations.map((v) => v.code), risk_score: verdict.risk_score, fingerprint: verdict.fingerprint, tables_accessed: [...verdict.tables_accessed] }
        : null,
      policies_applied: [
        'sql_guard',
        ...(verdict?.is_valid ? ['limit_enforcement'] : []),
        ...(plan?.outputs.some((o) => o.pii.size > 0) ? ['pii_masking'] : []),
        ...(plan && plan.filteredTables.length > 0 ? ['row_filters'] : []),
      ],
      row_filters: plan?.filteredTables ?? [],
      masking: (q.columns ?? []).map((c) => ({ column: c.name, masking: c.masking })),
      status: q.status,
      error_code: q.errorCode,
      row_count: q.rowCount,
      truncated: q.truncated,
      cached: q.cached,
      result_sha256: q.resultSha256,
      submitted_at: q.createdAt.toISOString(),
      finished_at: q.finishedAt?.toISOString() ?? null,
    },
    validation: {
      prompt_injection_check: q.source !== 'ask' ? 'not_applicable' : q.errorCode === 'PROMPT_INJECTION_DETECTED' ? 'failed' : 'passed',
      sql_safety_check: passed(Boolean(verdict?.is_valid)),
      policy_compliance: passed((plan?.violations.length ?? 1) === 0),
    },
    event,
  };
}
