import { type PiiProposal, proposePii } from './pii-detect.js';
import { type RunRequest, type RunResult, quoteIdent } from './targets/types.js';

type Run = (request: RunRequest) => Promise<RunResult>;

/** Tables whose estimated size is above this are counted from statistics, not count(*). */
const EXACT_COUNT_LIMIT = 1_000_000;
const SAMPLE_ROWS = 200;

export interface IntrospectedColumn extends PiiProposal {
  name: string;
  type: string;
}
export interface IntrospectedTable {
  name: string;
  rowCount: number;
  columns: IntrospectedColumn[];
}

const base = (schema: string, timeoutMs: number) => ({ params: [], defaultSchema: schema, timeoutMs, maxRows: 100_000, maxBytes: 64 * 1024 * 1024 });

/**
 * Reads what the dataset's role can see (tables, columns, types, row counts) from the catalog and
 * proposes PII tags from names and a sample of values. Aureus's own statements, run through the same
 * read-only path as any query; identifiers come from the catalog and are quoted.
 */
export async function introspect(run: Run, schema: string, timeoutMs: number): Promise<IntrospectedTable[]> {
  const catalog = await run({
    ...base(schema, timeoutMs),
    sql: `SELECT n.nspname, c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), c.reltuples::bigint::text
          FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
          WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped
            AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
            AND pg_catalog.has_table_privilege(c.oid, 'SELECT')
          ORDER BY n.nspname, c.relname, a.attnum`,
  });
  const tables = new Map<string, { schema: string; table: string; estimate: number; columns: { name: string; type: string }[] }>();
  for (const [nsp, rel, col, type, estimate] of catalog.rows as string[][]) {
    const key = `${nsp}.${rel}`;
    const entry = tables.get(key) ?? { schema: nsp as string, table: rel as string, estimate: Number(estimate), columns: [] };
    entry.columns.push({ name: col as string, type: type as string });
    tables.set(key, entry);
  }
  const out: IntrospectedTable[] = [];
  for (const [key, t] of tables) {
    const relation = `${quoteIdent(t.schema)}.${quoteIdent(t.table)}`;
    let rowCount = t.estimate;
    if (t.estimate < EXACT_COUNT_LIMIT) {
      const counted = await run({ ...base(schema, timeoutMs), sql: `SELECT count(*)::text FROM ${relation}` });
      rowCount = Number(counted.rows[0]?.[0] ?? 0);
    }
    const sample = await run({
      ...base(schema, timeoutMs),
      sql: `SELECT ${t.columns.map((c) => `${quoteIdent(c.name)}::text`).join(', ')} FROM ${relation} LIMIT ${SAMPLE_ROWS}`,
    });
    out.push({
      name: key,
      rowCount,
      columns: t.columns.map((c, i) => ({ name: c.name, type: c.type, ...proposePii(t.table, c.name, sample.rows.map((r) => r[i] ?? null)) })),
    });
  }
  return out;
}

const WARNING_SQL = `SELECT json_build_object(
  'superuser', r.rolsuper, 'create_role', r.rolcreaterole, 'create_db', r.rolcreatedb, 'bypass_rls', r.rolbypassrls,
  'create_schemas', (SELECT coalesce(json_agg(n.nspname ORDER BY n.nspname), '[]') FROM pg_catalog.pg_namespace n
    WHERE pg_catalog.has_schema_privilege(n.oid, 'CREATE') AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'),
  'writable', (SELECT coalesce(json_agg(n.nspname || '.' || c.relname ORDER BY 1), '[]') FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'f') AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
      AND (pg_catalog.has_table_privilege(c.oid, 'INSERT') OR pg_catalog.has_table_privilege(c.oid, 'UPDATE')
        OR pg_catalog.has_table_privilege(c.oid, 'DELETE') OR pg_catalog.has_table_privilege(c.oid, 'TRUNCATE'))),
  'owned', (SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relowner = r.oid AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'))::text
FROM pg_catalog.pg_roles r WHERE r.rolname = current_user`;

/**
 * What the login role could do beyond reading — registration warns about each (DESIGN.md §5: the
 * role and the read-only transaction must stop writes even if the guard had a bug).
 */
export async function roleWarnings(run: Run, schema: string): Promise<string[]> {
  const result = await run({ ...base(schema, 10_000), sql: WARNING_SQL });
  const r = JSON.parse(result.rows[0]?.[0] ?? '{}') as { superuser?: boolean; create_role?: boolean; create_db?: boolean; bypass_rls?: boolean; create_schemas?: string[]; writable?: string[]; owned?: number };
  const warnings: string[] = [];
  if (r.superuser) warnings.push('The role is a superuser: it can bypass every protection on the database side. Use a role that can only read.');
  if (r.writable && r.writable.length > 0) {
    warnings.push(`The role can write to ${r.writable.length} table(s) (${r.writable.slice(0, 5).join(', ')}${r.writable.length > 5 ? ', …' : ''}). Grant it SELECT only.`);
  }
  if (r.create_schemas && r.create_schemas.length > 0) warnings.push(`The role can create objects in schema(s) ${r.create_schemas.join(', ')}.`);
  if (r.owned) warnings.push(`The role owns ${r.owned} relation(s); an owner can change them.`);
  if (r.create_role || r.create_db) warnings.push('The role can create roles or databases.');
  if (r.bypass_rls) warnings.push('The role bypasses row-level security.');
  return warnings;
}
