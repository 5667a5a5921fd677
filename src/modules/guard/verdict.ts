// Verdict assembly: raw analysis → the wire-shaped, sorted verdict.
import type { Analysis } from './context.js';
import { riskScore } from './risk.js';
import type { Col } from './scope.js';
import type { Offsets } from './text.js';
import type { OutputColumn, Verdict, Violation } from './types.js';

const sorted = (values: Iterable<string>): string[] => [...values].sort();

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export function refused(violations: readonly Violation[], fingerprint: string, partial?: Partial<Verdict>): Verdict {
  return {
    is_valid: false,
    violations,
    risk_score: 1,
    sanitized_sql: '',
    tables_accessed: partial?.tables_accessed ?? [],
    columns_accessed: partial?.columns_accessed ?? {},
    functions_used: partial?.functions_used ?? [],
    output_columns: partial?.output_columns ?? [],
    predicate_columns: partial?.predicate_columns ?? [],
    computed_columns: partial?.computed_columns ?? [],
    fingerprint,
  };
}

/** Byte offsets → UTF-16 indexes, duplicates (from repeated walks) dropped. */
export function violationsOf(a: Analysis, offsets: Offsets): Violation[] {
  const seen = new Set<string>();
  const out: Violation[] = [];
  for (const v of a.violations) {
    const location = v.byteLocation >= 0 ? offsets.fromByte(v.byteLocation) : undefined;
    const key = `${v.code}\u0000${v.message}\u0000${location ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(location === undefined ? { code: v.code, message: v.message } : { code: v.code, message: v.message, location });
  }
  return out;
}

function columnsByTable(a: Analysis): Record<string, string[]> {
  const byTable: Record<string, string[]> = {};
  for (const t of sorted(a.tables)) byTable[t] = [];
  for (const source of a.accessed) {
    // Policy table keys have exactly one dot, so the column starts after the second.
    const second = source.indexOf('.', source.indexOf('.') + 1);
    (byTable[source.slice(0, second)] ??= []).push(source.slice(second + 1));
  }
  for (const cols of Object.values(byTable)) cols.sort();
  return byTable;
}

export interface Accepted {
  readonly outputs: readonly Col[];
  readonly sanitizedSql: string;
  readonly limited: boolean;
  readonly fingerprint: string;
}

/** Everything the analysis learned; also attached to refusals for the audit trail. */
export function details(a: Analysis, outputs: readonly Col[]): Partial<Verdict> {
  const output_columns: OutputColumn[] = outputs.map((c) => ({ name: c.name, sources: sorted(c.sources) }));
  return {
    tables_accessed: sorted(a.tables),
    columns_accessed: columnsByTable(a),
    functions_used: sorted(a.functions),
    output_columns,
    predicate_columns: sorted(a.predicates),
    computed_columns: sorted(a.computed),
  };
}

export function accepted(a: Analysis, r: Accepted): Verdict {
  let piiColumns = 0;
  for (const s of a.accessed) if (a.policy.piiSources.has(s)) piiColumns++;
  const risk_score = riskScore({
    piiColumns,
    relations: a.tables.size,
    unbounded: !r.limited && a.policy.maxRows === undefined,
    noOwnLimit: !r.limited,
    cartesian: a.cartesian,
    unfilteredScan: a.unfilteredScan,
    starUsed: a.starUsed,
  });
  const d = details(a, r.outputs);
  return {
    is_valid: true,
    violations: [],
    risk_score,
    sanitized_sql: r.sanitizedSql,
    tables_accessed: d.tables_accessed ?? [],
    columns_accessed: d.columns_accessed ?? {},
    functions_used: d.functions_used ?? [],
    output_columns: d.output_columns ?? [],
    predicate_columns: d.predicate_columns ?? [],
    computed_columns: d.computed_columns ?? [],
    fingerprint: r.fingerprint,
  };
}
