import { Type, type Static } from '@sinclair/typebox';
import { PageInfo } from '../../http/pagination.js';
import { RoleSchema } from '../identity/schemas.js';
import type { IntrospectedTable } from './introspect.js';
import { MASKING_KINDS, type Dataset } from './types.js';

const Masking = Type.Union([Type.Literal('redact'), Type.Literal('partial'), Type.Literal('hash'), Type.Literal('email'), Type.Literal('last4')]);
// The literal list above must stay the registry's; a mismatch fails to compile.
const _kinds: readonly Static<typeof Masking>[] = MASKING_KINDS;
void _kinds;
const Identifier = Type.String({ minLength: 1, maxLength: 63 });

const ColumnInput = Type.Object(
  {
    name: Identifier,
    type: Type.Optional(Type.String({ maxLength: 100 })),
    pii: Type.Optional(Type.Boolean()),
    masking: Type.Optional(Type.Union([Masking, Type.Null()])),
    // Accepted and ignored, so an introspection proposal or a GET can be sent back as it is.
    reasons: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);
const TableInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 127, description: '"schema.table", or "table" in the default schema' }),
    columns: Type.Array(ColumnInput, { minItems: 1, maxItems: 1600 }),
    row_count: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  },
  { additionalProperties: false },
);
const FilterInput = Type.Object(
  {
    table: Type.String({ minLength: 1, maxLength: 127 }),
    expression: Type.String({ minLength: 1, maxLength: 2000, description: 'A boolean condition; {user.team}, {user.id}, {user.email}, {user.role} are bound to the caller' }),
    exempt_roles: Type.Optional(Type.Array(RoleSchema, { maxItems: 4 })),
  },
  { additionalProperties: false },
);

const settings = {
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  connection_url: Type.String({ minLength: 1, maxLength: 2048, description: 'postgres://role@host:port/database; stored encrypted, never returned' }),
  default_schema: Type.Optional(Identifier),
  tables: Type.Optional(Type.Array(TableInput, { maxItems: 1000 })),
  row_filters: Type.Optional(Type.Array(FilterInput, { maxItems: 1000 })),
  max_rows: Type.Optional(Type.Integer({ minimum: 1 })),
  statement_timeout_ms: Type.Optional(Type.Integer({ minimum: 100 })),
  viewer_access: Type.Optional(Type.Boolean()),
};
const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9 ._-]*$' });

export const CreateDatasetBody = Type.Object({ name: Name, ...settings }, { additionalProperties: false });
export type CreateDatasetBody = Static<typeof CreateDatasetBody>;
export const UpdateDatasetBody = Type.Partial(Type.Object({ name: Name, ...settings }, { additionalProperties: false }), { additionalProperties: false, minProperties: 1 });
export type UpdateDatasetBody = Static<typeof UpdateDatasetBody>;
export const DatasetParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

const ColumnView = Type.Object({ name: Type.String(), type: Type.String(), pii: Type.Boolean(), masking: Type.Union([Masking, Type.Null()]) });
const TableView = Type.Object({ name: Type.String(), row_count: Type.Union([Type.Integer(), Type.Null()]), columns: Type.Array(ColumnView) });
export const DatasetView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  description: Type.String(),
  kind: Type.Union([Type.Literal('postgres'), Type.Literal('demo')]),
  row_count: Type.Union([Type.Integer(), Type.Null()]),
  last_updated: Type.String({ format: 'date-time' }),
  introspected_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  default_schema: Type.String(),
  max_rows: Type.Integer(),
  statement_timeout_ms: Type.Integer(),
  viewer_access: Type.Boolean(),
  version: Type.Integer(),
  tables: Type.Array(TableView),
  created_at: Type.String({ format: 'date-time' }),
  // Administrators only: the row filters and what the connection check found.
  row_filters: Type.Optional(Type.Array(Type.Object({ table: Type.String(), expression: Type.String(), exempt_roles: Type.Array(RoleSchema) }))),
  warnings: Type.Optional(Type.Array(Type.String())),
});
export const DatasetList = Type.Intersect([Type.Object({ datasets: Type.Array(DatasetView) }), PageInfo]);

export const IntrospectionView = Type.Object({
  dataset_id: Type.String({ format: 'uuid' }),
  tables: Type.Array(
    Type.Object({
      name: Type.String(),
      row_count: Type.Integer(),
      columns: Type.Array(Type.Object({ name: Type.String(), type: Type.String(), pii: Type.Boolean(), masking: Type.Union([Masking, Type.Null()]), reasons: Type.Array(Type.String()) })),
    }),
  ),
  message: Type.String(),
});

export function datasetView(d: Dataset, options: { admin: boolean }) {
  const counts = d.tables.map((t) => t.rowCount);
  return {
    id: d.id,
    name: d.name,
    description: d.description,
    kind: d.kind,
    row_count: counts.length > 0 && counts.every((c) => c !== null) ? counts.reduce((a: number, b) => a + (b as number), 0) : null,
    last_updated: d.updatedAt.toISOString(),
    introspected_at: d.introspectedAt?.toISOString() ?? null,
    default_schema: d.defaultSchema,
    max_rows: d.maxRows,
    statement_timeout_ms: d.statementTimeoutMs,
    viewer_access: d.viewerAccess,
    version: d.version,
    tables: d.tables.map((t) => ({ name: t.name, row_count: t.rowCount, columns: t.columns.map((c) => ({ name: c.name, type: c.type, pii: c.pii, masking: c.masking })) })),
    created_at: d.createdAt.toISOString(),
    ...(options.admin
      ? { row_filters: d.rowFilters.map((f) => ({ table: f.table, expression: f.expression, exempt_roles: f.exemptRoles })), warnings: d.warnings }
      : {}),
  };
}

export function introspectionView(datasetId: string, tables: IntrospectedTable[]) {
  return {
    dataset_id: datasetId,
    tables: tables.map((t) => ({ name: t.name, row_count: t.rowCount, columns: t.columns.map((c) => ({ name: c.name, type: c.type, pii: c.pii, masking: c.masking, reasons: c.reasons })) })),
    message: 'Proposed PII tags. Review them, then PATCH the dataset with the tables and columns to allow.',
  };
}
