import { AppError } from '../../platform/errors.js';
import { parsePolicy, type Guard } from '../guard/index.js';
import type { Role } from '../identity/index.js';
import { buildPolicy, rowFilterProblems } from './policy.js';
import type { DatasetTable, MaskingKind, RowFilter } from './types.js';

export interface TableInput {
  name: string;
  columns: { name: string; type?: string; pii?: boolean; masking?: MaskingKind | null }[];
}
export interface FilterInput {
  table: string;
  expression: string;
  exempt_roles?: Role[];
}

export function invalid(path: string, message: string): AppError {
  return new AppError('VALIDATION_ERROR', `${path.replace(/^body\//, '')}: ${message}`, { details: { fields: [{ path, message }] } });
}

/** "table" → "schema.table" in the default schema; names are kept exactly (PostgreSQL folds only unquoted SQL). */
export function qualify(name: string, defaultSchema: string): string {
  return name.includes('.') ? name : `${defaultSchema}.${name}`;
}

/** Wire tables → registry tables: qualified names, PII tags with a masking kind (redact unless given). */
export function normalizeTables(input: TableInput[], defaultSchema: string, previous: DatasetTable[] = []): DatasetTable[] {
  const seen = new Set<string>();
  return input.map((t, i) => {
    const name = qualify(t.name, defaultSchema);
    if (name.split('.').length !== 2) throw invalid(`body/tables/${i}/name`, 'must be "schema.table" or "table"');
    if (seen.has(name)) throw invalid(`body/tables/${i}/name`, `table ${name} is listed twice`);
    seen.add(name);
    const rowCount = previous.find((p) => p.name === name)?.rowCount ?? null;
    return {
      name,
      rowCount,
      columns: t.columns.map((c, j) => {
        const pii = c.pii ?? Boolean(c.masking);
        if (!pii && c.masking) throw invalid(`body/tables/${i}/columns/${j}/masking`, 'a masking kind needs pii: true');
        return { name: c.name, type: c.type ?? 'unknown', pii, masking: pii ? (c.masking ?? 'redact') : null };
      }),
    };
  });
}

export function normalizeFilters(input: FilterInput[], defaultSchema: string): RowFilter[] {
  return input.map((f) => ({ table: qualify(f.table, defaultSchema), expression: f.expression, exemptRoles: f.exempt_roles ?? [] }));
}

export interface Limits {
  maxRows: number;
  timeoutMs: number;
}

/** Everything about a dataset's policy that can be checked without its database. */
export function checkPolicy(guard: Guard, d: { id: string; defaultSchema: string; tables: DatasetTable[]; rowFilters: RowFilter[]; maxRows: number; statementTimeoutMs: number }, limits: Limits): void {
  if (d.maxRows > limits.maxRows) throw invalid('body/max_rows', `must be at most ${limits.maxRows} (QUERY_MAX_ROWS)`);
  if (d.statementTimeoutMs > limits.timeoutMs) throw invalid('body/statement_timeout_ms', `must be at most ${limits.timeoutMs} (QUERY_TIMEOUT_MS)`);
  if (d.defaultSchema.startsWith('pg_') || d.defaultSchema === 'information_schema') throw invalid('body/default_schema', 'must not be a system schema');
  const parsed = parsePolicy(buildPolicy({ ...d, version: 0 }));
  if (!parsed.ok) throw invalid('body/tables', parsed.violations.map((v) => v.message).join('; '));
  const problems = rowFilterProblems(guard, { ...d, version: 0 });
  if (problems.length > 0) throw invalid('body/row_filters', problems.join('; '));
}
