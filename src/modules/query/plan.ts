import { type Dataset, type MaskingKind, policyOf } from '../datasets/index.js';
import type { Guard, Verdict } from '../guard/index.js';
import { PII_LEVEL, type PiiLevel, type Role } from '../identity/index.js';
import { activeFilters, qualifiedBypasses, wrapWithFilters } from './row-filters.js';
import type { Claims } from './types.js';

/**
 * Who may filter, join, group or order by a PII column: the ✅ cells of seed 002 §6.2's "View PII"
 * row. Viewers and analysts (❌) are refused, so a masked value cannot be recovered by asking
 * `WHERE ssn LIKE '1%'` repeatedly; approvers and admins have PII access (approvers still see partial
 * masks in results: access to look a person up, not to read the whole value off the screen).
 */
export const PII_PREDICATES_ALLOWED: Record<Role, boolean> = { viewer: false, analyst: false, approver: true, admin: true };

export interface PlanViolation {
  code: string;
  message: string;
  location?: number;
}

export interface OutputPlan {
  name: string;
  sources: readonly string[];
  pii: Map<string, MaskingKind>;
}

export interface Plan {
  verdict: Verdict;
  level: PiiLevel;
  violations: PlanViolation[];
  outputs: OutputPlan[];
  /** The text to run (the guard's sanitized_sql, behind row-filter CTEs) and its bind parameters. */
  sql: string;
  params: (string | null)[];
  filteredTables: string[];
  policyVersion: number;
}

export interface Caller {
  userId: string;
  role: Role;
  claims: Claims;
}

function piiColumns(d: Dataset): Map<string, MaskingKind> {
  const out = new Map<string, MaskingKind>();
  for (const t of d.tables) for (const c of t.columns) if (c.pii) out.set(`${t.name}.${c.name}`, c.masking ?? 'redact');
  return out;
}

/**
 * DESIGN.md §5 steps 3–4 for one statement and one caller: the guard's verdict under the dataset's
 * policy, the inference rule, row filters, and the masking each output column will get. Pure;
 * the same for a dry run, a REST query, and later MCP or LLM-written SQL.
 */
export function planQuery(guard: Guard, d: Dataset, sql: string, caller: Caller): Plan {
  const verdict = guard.validate(sql, policyOf(d));
  const level = PII_LEVEL[caller.role];
  const pii = piiColumns(d);
  const violations: PlanViolation[] = verdict.violations.map((v) => ({ code: v.code, message: v.message, ...(v.location !== undefined ? { location: v.location } : {}) }));
  const outputs = verdict.output_columns.map((o) => ({
    name: o.name,
    sources: o.sources,
    pii: new Map(o.sources.filter((s) => pii.has(s)).map((s) => [s, pii.get(s) as MaskingKind])),
  }));
  const base = { verdict, level, outputs, policyVersion: d.version };
  if (!verdict.is_valid) return { ...base, violations, sql: '', params: [], filteredTables: [] };

  if (!PII_PREDICATES_ALLOWED[caller.role]) {
    const used = verdict.predicate_columns.filter((c) => pii.has(c));
    if (used.length > 0) {
      violations.push({
        code: 'PII_PREDICATE_NOT_ALLOWED',
        message: `Your role (${caller.role}) may not filter, join, group or order by PII (${used.join(', ')}): masked values could be recovered that way.`,
      });
    }
    // A value computed from PII is shown redacted to these roles anyway; computing it is refused,
    // because whether the computation fails (1 / (ascii(ssn) - 49)) or how long it takes reveals it.
    const computed = verdict.computed_columns.filter((c) => pii.has(c));
    if (computed.length > 0) {
      violations.push({
        code: 'PII_EXPRESSION_NOT_ALLOWED',
        message: `Your role (${caller.role}) may select PII (${computed.join(', ')}) only as stored, to be shown masked, not compute with it: whether a computation fails or how long it takes reveals the value.`,
      });
    }
  }
  const filters = activeFilters(d, caller.role, verdict.tables_accessed);
  for (const table of qualifiedBypasses(sql, filters)) {
    violations.push({ code: 'ROW_FILTER_BYPASS', message: `Refer to ${table} without its schema name: a row filter applies to it.` });
  }
  if (violations.length > 0) return { ...base, violations, sql: '', params: [], filteredTables: [] };
  const wrapped = wrapWithFilters(verdict.sanitized_sql, filters, d, { ...caller.claims, id: caller.userId, role: caller.role });
  return { ...base, violations, sql: wrapped.sql, params: wrapped.params, filteredTables: wrapped.tables };
}
