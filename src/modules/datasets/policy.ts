import type { Guard, Policy } from '../guard/index.js';
import { quoteIdent } from './targets/types.js';
import type { Dataset, RowFilter } from './types.js';

/** Caller claims a row filter may use: `branch_id = {user.team}`. */
export const CLAIMS = ['team', 'id', 'email', 'role'] as const;
export type Claim = (typeof CLAIMS)[number];
export const PLACEHOLDER = /\{user\.([A-Za-z_]+)\}/g;

const cache = new Map<string, { version: number; policy: Policy }>();

/**
 * The guard policy of a dataset: its tables and columns, PII tags and row cap. Built once per
 * dataset version; the guard compiles and caches per policy object, so reusing the object keeps
 * its verdict cache warm.
 */
export function policyOf(d: Dataset): Policy {
  const hit = cache.get(d.id);
  if (hit && hit.version === d.version) return hit.policy;
  const policy = buildPolicy(d);
  cache.set(d.id, { version: d.version, policy });
  return policy;
}

export function buildPolicy(d: Pick<Dataset, 'id' | 'version' | 'defaultSchema' | 'tables' | 'maxRows'>): Policy {
  return {
    version: `${d.id}:${d.version}`,
    default_schema: d.defaultSchema,
    tables: Object.fromEntries(
      d.tables.map((t) => {
        const pii = Object.fromEntries(t.columns.filter((c) => c.pii).map((c) => [c.name, c.masking ?? 'redact']));
        return [t.name, { columns: t.columns.map((c) => c.name), ...(Object.keys(pii).length > 0 ? { pii } : {}) }];
      }),
    ),
    // One row more than may be delivered: the executor stops after max_rows and, seeing the extra
    // row, marks the result truncated (with the cap itself it could not tell).
    max_rows: d.maxRows + 1,
  };
}

/** "schema.table" as SQL, each part quoted. */
export function relationSql(name: string): string {
  const dot = name.indexOf('.');
  return `${quoteIdent(name.slice(0, dot))}.${quoteIdent(name.slice(dot + 1))}`;
}

/**
 * Problems with a dataset's row filters. A filter applies to a table in the default schema (the
 * executor shadows that table's unqualified name; qualified names to it are refused per query) and
 * is one boolean expression over the table's listed columns: it must validate both as a WHERE
 * clause and as a single select-list item, which no text that closes the parenthesis early can.
 */
export function rowFilterProblems(guard: Guard, d: Pick<Dataset, 'id' | 'version' | 'defaultSchema' | 'tables' | 'maxRows' | 'rowFilters'>): string[] {
  const problems: string[] = [];
  const policy = { ...buildPolicy(d), max_rows: undefined };
  const seen = new Set<string>();
  for (const f of d.rowFilters) {
    const where = `row_filters[${f.table}]`;
    if (!d.tables.some((t) => t.name === f.table)) problems.push(`${where}: the table is not one of the dataset's tables`);
    else if (!f.table.startsWith(`${d.defaultSchema}.`)) problems.push(`${where}: a filtered table must be in the default schema (${d.defaultSchema})`);
    if (seen.has(f.table)) problems.push(`${where}: one filter per table (combine conditions with AND/OR)`);
    seen.add(f.table);
    for (const m of f.expression.matchAll(PLACEHOLDER)) {
      if (!(CLAIMS as readonly string[]).includes(m[1] as string)) problems.push(`${where}: unknown claim {user.${m[1]}} (known: ${CLAIMS.map((c) => `{user.${c}}`).join(', ')})`);
    }
    const probe = f.expression.replace(PLACEHOLDER, 'NULL');
    for (const sql of [`SELECT 1 FROM ${relationSql(f.table)} WHERE (\n${probe}\n)`, `SELECT (\n${probe}\n) FROM ${relationSql(f.table)}`]) {
      const verdict = guard.validate(sql, policy);
      if (!verdict.is_valid) {
        problems.push(`${where}: ${verdict.violations.map((v) => v.message).join('; ')}`);
        break;
      }
      if (verdict.tables_accessed.length !== 1 || verdict.output_columns.length !== 1) {
        problems.push(`${where}: the expression must be one condition on its own table`);
        break;
      }
    }
  }
  return problems;
}

export function filterFor(d: Dataset, table: string): RowFilter | undefined {
  return d.rowFilters.find((f) => f.table === table);
}
