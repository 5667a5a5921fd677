import { parseSync } from 'libpg-query';
import { type Claim, type Dataset, PLACEHOLDER, type RowFilter, relationSql } from '../datasets/index.js';
import type { Role } from '../identity/index.js';
import type { Claims } from './types.js';

export interface FilteredSql {
  sql: string;
  params: (string | null)[];
  /** Tables whose rows were filtered for this caller. */
  tables: string[];
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Filters that bind this caller on the tables the statement reads. */
export function activeFilters(d: Dataset, role: Role, tablesAccessed: readonly string[]): RowFilter[] {
  return d.rowFilters.filter((f) => !f.exemptRoles.includes(role) && tablesAccessed.includes(f.table));
}

const qualifiedCache = new Map<string, Set<string>>();

/** Every relation the caller's text names with a schema ("schema.table"), from PostgreSQL's parser. */
function qualifiedRelations(sql: string): Set<string> {
  let found = qualifiedCache.get(sql);
  if (found) return found;
  found = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) for (const item of node) walk(item);
    else if (node !== null && typeof node === 'object') {
      const range = (node as { RangeVar?: { schemaname?: string; relname?: string } }).RangeVar;
      if (range?.schemaname && range.relname) found?.add(`${range.schemaname}.${range.relname}`);
      for (const value of Object.values(node)) walk(value);
    }
  };
  walk(parseSync(sql));
  if (qualifiedCache.size >= 1000) qualifiedCache.delete(qualifiedCache.keys().next().value as string);
  qualifiedCache.set(sql, found);
  return found;
}

/**
 * Tables the caller names with their schema although a row filter applies to them: the filter
 * shadows the unqualified name only, so these are refused rather than run unfiltered.
 */
export function qualifiedBypasses(sql: string, filters: readonly RowFilter[]): string[] {
  if (filters.length === 0) return [];
  const qualified = qualifiedRelations(sql);
  return filters.filter((f) => qualified.has(f.table)).map((f) => f.table);
}

/**
 * Applies row filters by wrapping, never by rewriting the caller's text: each filtered table gets a
 * CTE of the same name in front of the whole statement, holding only the rows the filter lets
 * through, and the guard-approved text goes inside parentheses after it. Unqualified names in the
 * caller's text — at any depth, since CTE names are visible in every subquery — now read the CTE;
 * an OR in the caller's WHERE works on those rows and cannot reach others. MATERIALIZED keeps the
 * planner from pushing the caller's conditions beneath the filter, where an erroring or leaky
 * function could see rows the filter removes (the reason PostgreSQL has security_barrier views).
 * The CTE selects the policy's columns in the policy's order, which is what the guard expanded `*`
 * into. Claims are bind parameters; the guard refuses `$n` in caller SQL, so every one is Aureus's.
 */
export function wrapWithFilters(sanitizedSql: string, filters: readonly RowFilter[], d: Dataset, claims: Claims & { id: string; role: Role }): FilteredSql {
  if (filters.length === 0) return { sql: sanitizedSql, params: [], tables: [] };
  const params: (string | null)[] = [];
  const values: Record<Claim, string | null> = { team: claims.team, id: claims.id, email: claims.email, role: claims.role };
  const ctes = filters.map((f) => {
    const table = d.tables.find((t) => t.name === f.table);
    const columns = (table?.columns ?? []).map((c) => quote(c.name)).join(', ');
    const condition = f.expression.replace(PLACEHOLDER, (_m, claim: string) => {
      params.push(values[claim as Claim] ?? null);
      return `$${params.length}`;
    });
    return `${quote(f.table.slice(f.table.indexOf('.') + 1))} AS MATERIALIZED (SELECT ${columns} FROM ${relationSql(f.table)} WHERE (\n${condition}\n))`;
  });
  return { sql: `WITH ${ctes.join(',\n')}\nSELECT * FROM (\n${sanitizedSql}\n) AS aureus_f`, params, tables: filters.map((f) => f.table) };
}
