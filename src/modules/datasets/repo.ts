import type { Executor } from '../../platform/db/index.js';
import type { Role } from '../identity/index.js';
import type { DatasetKind, DatasetTable, MaskingKind, RowFilter, StoredDataset } from './types.js';

interface TableJson {
  name: string;
  columns: { name: string; type: string; pii: boolean; masking: MaskingKind | null }[];
}
interface FilterJson {
  table: string;
  expression: string;
  exempt_roles: Role[];
}

const COLUMNS = `id, organization_id, name, description, kind, connection_sealed, default_schema, tables, row_counts, row_filters, max_rows,
  statement_timeout_ms, viewer_access, warnings, version, created_by, created_at, updated_at, introspected_at`;

const tablesToJson = (tables: DatasetTable[]): TableJson[] => tables.map((t) => ({ name: t.name, columns: t.columns }));
const filtersToJson = (filters: RowFilter[]): FilterJson[] => filters.map((f) => ({ table: f.table, expression: f.expression, exempt_roles: f.exemptRoles }));

function toDataset(r: Record<string, unknown>): StoredDataset {
  return {
    id: r.id as string,
    organizationId: r.organization_id as string,
    name: r.name as string,
    description: r.description as string,
    kind: r.kind as DatasetKind,
    connectionSealed: r.connection_sealed ? Buffer.from(r.connection_sealed as Uint8Array) : null,
    defaultSchema: r.default_schema as string,
    tables: (r.tables as TableJson[]).map((t) => ({ name: t.name, rowCount: (r.row_counts as Record<string, number>)[t.name] ?? null, columns: t.columns })),
    rowFilters: (r.row_filters as FilterJson[]).map((f) => ({ table: f.table, expression: f.expression, exemptRoles: f.exempt_roles })),
    maxRows: r.max_rows as number,
    statementTimeoutMs: r.statement_timeout_ms as number,
    viewerAccess: r.viewer_access as boolean,
    warnings: r.warnings as string[],
    version: r.version as number,
    createdBy: r.created_by as string | null,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
    introspectedAt: r.introspected_at as Date | null,
  };
}

export interface NewDataset {
  id: string;
  organizationId: string;
  name: string;
  description: string;
  kind: DatasetKind;
  connectionSealed: Buffer | null;
  defaultSchema: string;
  tables: DatasetTable[];
  rowFilters: RowFilter[];
  maxRows: number;
  statementTimeoutMs: number;
  viewerAccess: boolean;
  warnings: string[];
  createdBy: string | null;
}

export async function insertDataset(db: Executor, d: NewDataset): Promise<StoredDataset> {
  const { rows } = await db.query(
    `INSERT INTO datasets (id, organization_id, name, description, kind, connection_sealed, default_schema, tables, row_filters,
       max_rows, statement_timeout_ms, viewer_access, warnings, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING ${COLUMNS}`,
    [d.id, d.organizationId, d.name, d.description, d.kind, d.connectionSealed, d.defaultSchema, JSON.stringify(tablesToJson(d.tables)),
      JSON.stringify(filtersToJson(d.rowFilters)), d.maxRows, d.statementTimeoutMs, d.viewerAccess, JSON.stringify(d.warnings), d.createdBy],
  );
  return toDataset(rows[0] as Record<string, unknown>);
}

export async function findDataset(db: Executor, id: string): Promise<StoredDataset | undefined> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM datasets WHERE id = $1`, [id]);
  return rows[0] ? toDataset(rows[0] as Record<string, unknown>) : undefined;
}

export async function findDatasetByName(db: Executor, organizationId: string, name: string): Promise<StoredDataset | undefined> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM datasets WHERE organization_id = $1 AND lower(name) = lower($2)`, [organizationId, name]);
  return rows[0] ? toDataset(rows[0] as Record<string, unknown>) : undefined;
}

/** An organization's datasets by creation, after a cursor; `viewerOnly` keeps those approved for viewers. */
export async function listDatasets(db: Executor, q: { organizationId: string; viewerOnly: boolean; limit: number; after?: { t: string; id: string } }): Promise<StoredDataset[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM datasets
     WHERE organization_id = $1 AND (NOT $2::boolean OR viewer_access)
       AND ($3::timestamptz IS NULL OR (created_at, id) > ($3::timestamptz, $4::uuid))
     ORDER BY created_at, id LIMIT $5`,
    [q.organizationId, q.viewerOnly, q.after?.t ?? null, q.after?.id ?? null, q.limit],
  );
  return rows.map((r) => toDataset(r as Record<string, unknown>));
}

export type DatasetChanges = Partial<Omit<NewDataset, 'id' | 'organizationId' | 'kind' | 'createdBy'>>;

/** Applies changes and bumps the version (the policy version every cache key carries). */
export async function updateDataset(db: Executor, id: string, c: DatasetChanges): Promise<StoredDataset> {
  const { rows } = await db.query(
    `UPDATE datasets SET
       name = COALESCE($2, name), description = COALESCE($3, description), connection_sealed = COALESCE($4, connection_sealed),
       default_schema = COALESCE($5, default_schema), tables = COALESCE($6, tables), row_filters = COALESCE($7, row_filters),
       max_rows = COALESCE($8, max_rows), statement_timeout_ms = COALESCE($9, statement_timeout_ms),
       viewer_access = COALESCE($10, viewer_access), warnings = COALESCE($11, warnings),
       version = version + 1, updated_at = date_trunc('milliseconds', now())
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, c.name ?? null, c.description ?? null, c.connectionSealed ?? null, c.defaultSchema ?? null, c.tables ? JSON.stringify(tablesToJson(c.tables)) : null,
      c.rowFilters ? JSON.stringify(filtersToJson(c.rowFilters)) : null, c.maxRows ?? null, c.statementTimeoutMs ?? null, c.viewerAccess ?? null,
      c.warnings ? JSON.stringify(c.warnings) : null],
  );
  return toDataset(rows[0] as Record<string, unknown>);
}

/** Row counts seen by introspection: statistics, not policy, so the version stays. */
export async function recordRowCounts(db: Executor, id: string, counts: Record<string, number>): Promise<void> {
  await db.query('UPDATE datasets SET row_counts = $2, introspected_at = now() WHERE id = $1', [id, JSON.stringify(counts)]);
}
