import type { Role } from '../identity/index.js';

export const MASKING_KINDS = ['redact', 'partial', 'hash', 'email', 'last4'] as const;
export type MaskingKind = (typeof MASKING_KINDS)[number];

export interface DatasetColumn {
  name: string;
  type: string;
  pii: boolean;
  /** How partial-access roles see the column; null when it is not PII. */
  masking: MaskingKind | null;
}

export interface DatasetTable {
  /** "schema.table" */
  name: string;
  rowCount: number | null;
  columns: DatasetColumn[];
}

/** A row filter bound to the caller: `expression` may use {user.team}, {user.id}, {user.email}, {user.role}. */
export interface RowFilter {
  /** "schema.table" */
  table: string;
  expression: string;
  exemptRoles: Role[];
}

export type DatasetKind = 'postgres' | 'demo';

export interface Dataset {
  id: string;
  organizationId: string;
  name: string;
  description: string;
  kind: DatasetKind;
  defaultSchema: string;
  tables: DatasetTable[];
  rowFilters: RowFilter[];
  maxRows: number;
  statementTimeoutMs: number;
  viewerAccess: boolean;
  warnings: string[];
  version: number;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  introspectedAt: Date | null;
}

/** The sealed connection URL travels only between the repo and the target registry. */
export interface StoredDataset extends Dataset {
  connectionSealed: Buffer | null;
}
