// Policy validation (wire JSON → Policy) and compilation (Policy → lookup structures the walker
// uses on the hot path). Compilation happens once per policy object.
import { hash } from 'node:crypto';
import { policySchema } from './schemas.js';
import { isHardDeniedFunction } from './functions.js';
import type { Col } from './scope.js';
import type { Policy, PolicyResult, Violation } from './types.js';

export interface CompiledTable {
  readonly key: string;
  readonly schema: string;
  readonly name: string;
  /** Policy order; `*` expands in this order. */
  readonly cols: readonly Col[];
  /** Same columns flagged as star-expanded (their real position in the table is unknown). */
  readonly starCols: readonly Col[];
  readonly byName: ReadonlyMap<string, Col>;
  readonly pii: ReadonlySet<string>;
}

export interface CompiledPolicy {
  /** Cache key part: SHA-256 of the policy's canonical JSON. */
  readonly key: string;
  readonly defaultSchema: string;
  readonly tables: ReadonlyMap<string, CompiledTable>;
  readonly fnAllow: ReadonlySet<string>;
  readonly fnDeny: ReadonlySet<string>;
  readonly maxRows: number | undefined;
  readonly allowExplain: boolean;
  /** "schema.table.column" of every PII column, for the risk score. */
  readonly piiSources: ReadonlySet<string>;
}

const DEFAULT_SCHEMA = 'public';

/** pg_catalog, information_schema, pg_toast, pg_temp_N…: never reachable, whatever the policy. */
export function isSystemSchema(schema: string): boolean {
  return schema.startsWith('pg_') || schema === 'information_schema';
}

function problem(message: string): Violation {
  return { code: 'POLICY_INVALID', message };
}

function semanticProblems(policy: Policy): Violation[] {
  const out: Violation[] = [];
  if (policy.default_schema !== undefined && isSystemSchema(policy.default_schema)) {
    out.push(problem(`default_schema "${policy.default_schema}" is a system schema`));
  }
  for (const [key, table] of Object.entries(policy.tables)) {
    const parts = key.split('.');
    if (parts.length !== 2 || !parts[0] || !parts[1]) {
      out.push(problem(`table key "${key}" must be "schema.table"`));
      continue;
    }
    if (isSystemSchema(parts[0]) || parts[1].startsWith('pg_')) {
      out.push(problem(`table "${key}" is a system relation and cannot be granted`));
    }
    if (new Set(table.columns).size !== table.columns.length) {
      out.push(problem(`table "${key}" lists a column twice`));
    }
    for (const col of Object.keys(table.pii ?? {})) {
      if (!table.columns.includes(col)) out.push(problem(`pii column "${key}.${col}" is not in its columns`));
    }
  }
  for (const fn of policy.functions?.allow ?? []) {
    if (isHardDeniedFunction(fn)) out.push(problem(`function "${fn}" can never be allowed`));
  }
  return out;
}

/** Validates wire JSON; collects every problem rather than stopping at the first. */
export function parsePolicy(input: unknown): PolicyResult {
  const parsed = policySchema.safeParse(input);
  if (!parsed.success) {
    const violations = parsed.error.issues.map((issue) =>
      problem(`${issue.path.length > 0 ? issue.path.join('.') : '(policy)'}: ${issue.message}`),
    );
    return { ok: false, violations };
  }
  const violations = semanticProblems(parsed.data);
  return violations.length > 0 ? { ok: false, violations } : { ok: true, value: parsed.data };
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function compileTable(key: string, columns: readonly string[], pii: Readonly<Record<string, string>> | undefined): CompiledTable {
  const dot = key.indexOf('.');
  const cols: Col[] = columns.map((name) => ({ name, sources: [`${key}.${name}`], star: false }));
  return {
    key,
    schema: key.slice(0, dot),
    name: key.slice(dot + 1),
    cols,
    starCols: cols.map((c) => ({ ...c, star: true })),
    byName: new Map(cols.map((c) => [c.name, c])),
    pii: new Set(Object.keys(pii ?? {})),
  };
}

/** Policy → CompiledPolicy, or the problems that make it unusable. */
export function compilePolicy(policy: Policy): { ok: true; value: CompiledPolicy } | { ok: false; violations: readonly Violation[] } {
  const checked = parsePolicy(policy);
  if (!checked.ok) return checked;
  const tables = new Map<string, CompiledTable>();
  const piiSources = new Set<string>();
  for (const [key, t] of Object.entries(policy.tables)) {
    const table = compileTable(key, t.columns, t.pii);
    tables.set(key, table);
    for (const col of table.pii) piiSources.add(`${key}.${col}`);
  }
  const value: CompiledPolicy = {
    // Always the content hash (version included): two different policies that share a version
    // string, say one per role, must never share cached verdicts. Computed once per policy object.
    key: hash('sha256', canonicalJson(policy)),
    defaultSchema: policy.default_schema ?? DEFAULT_SCHEMA,
    tables,
    fnAllow: new Set(policy.functions?.allow ?? []),
    fnDeny: new Set(policy.functions?.deny ?? []),
    maxRows: policy.max_rows,
    allowExplain: policy.allow_explain === true,
    piiSources,
  };
  return { ok: true, value };
}
