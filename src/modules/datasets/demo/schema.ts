import type { MaskingKind } from '../types.js';

/**
 * The demo loan portfolio's shape: the same tables and columns as the guard's test policy
 * (test/guard/fixtures/policy.json), with the PII tags the demo registers. One source for the DDL,
 * the reader role's grants and the registry entry, so they cannot drift apart.
 */
export interface DemoColumn {
  name: string;
  type: string;
  masking?: MaskingKind;
}

export const DEMO_SCHEMA = 'public';
export const DEMO_READER_ROLE = 'aureus_reader';
/** Bump when the generated data or schema changes: the stored snapshot is rebuilt. */
export const DEMO_DATA_VERSION = 1;

export const DEMO_TABLES: { name: string; columns: DemoColumn[]; constraints: string[] }[] = [
  {
    name: 'branches',
    columns: [
      { name: 'id', type: 'integer' },
      { name: 'name', type: 'text' },
      { name: 'city', type: 'text' },
      { name: 'region', type: 'text' },
    ],
    constraints: ['PRIMARY KEY (id)'],
  },
  {
    name: 'customers',
    columns: [
      { name: 'id', type: 'integer' },
      { name: 'full_name', type: 'text', masking: 'partial' },
      { name: 'email', type: 'text', masking: 'email' },
      { name: 'phone', type: 'text', masking: 'last4' },
      { name: 'ssn', type: 'text', masking: 'last4' },
      { name: 'date_of_birth', type: 'date', masking: 'redact' },
      { name: 'branch_id', type: 'integer' },
      { name: 'created_at', type: 'timestamptz' },
    ],
    constraints: ['PRIMARY KEY (id)', 'FOREIGN KEY (branch_id) REFERENCES branches (id)'],
  },
  {
    name: 'loans',
    columns: [
      { name: 'id', type: 'integer' },
      { name: 'customer_id', type: 'integer' },
      { name: 'branch_id', type: 'integer' },
      { name: 'amount', type: 'numeric(12,2)' },
      { name: 'interest_rate', type: 'numeric(5,3)' },
      { name: 'status', type: 'text' },
      { name: 'risk_grade', type: 'text' },
      { name: 'issued_at', type: 'date' },
      { name: 'maturity_date', type: 'date' },
    ],
    constraints: ['PRIMARY KEY (id)', 'FOREIGN KEY (customer_id) REFERENCES customers (id)', 'FOREIGN KEY (branch_id) REFERENCES branches (id)'],
  },
  {
    name: 'transactions',
    columns: [
      { name: 'id', type: 'integer' },
      { name: 'loan_id', type: 'integer' },
      { name: 'amount', type: 'numeric(12,2)' },
      { name: 'kind', type: 'text' },
      { name: 'occurred_at', type: 'timestamptz' },
    ],
    constraints: ['PRIMARY KEY (id)', 'FOREIGN KEY (loan_id) REFERENCES loans (id)'],
  },
];

/** CREATE TABLE statements and indexes, in dependency order. */
export function demoSchemaSql(): string[] {
  const tables = DEMO_TABLES.map(
    (t) => `CREATE TABLE ${DEMO_SCHEMA}.${t.name} (\n  ${[...t.columns.map((c) => `${c.name} ${c.type} NOT NULL`), ...t.constraints].join(',\n  ')}\n)`,
  );
  return [
    ...tables,
    `CREATE INDEX loans_customer_id ON ${DEMO_SCHEMA}.loans (customer_id)`,
    `CREATE INDEX transactions_loan_id ON ${DEMO_SCHEMA}.transactions (loan_id)`,
    `CREATE INDEX customers_branch_id ON ${DEMO_SCHEMA}.customers (branch_id)`,
  ];
}

/**
 * A role that may read the demo tables and nothing else: no CREATE on the schema, no temporary
 * tables, no other grants. Run by the database owner.
 */
export function readerGrantsSql(role: string, database: string): string[] {
  return [
    `REVOKE CREATE ON SCHEMA ${DEMO_SCHEMA} FROM PUBLIC`,
    `REVOKE TEMPORARY ON DATABASE "${database}" FROM PUBLIC`,
    `GRANT USAGE ON SCHEMA ${DEMO_SCHEMA} TO ${role}`,
    `GRANT SELECT ON ${DEMO_TABLES.map((t) => `${DEMO_SCHEMA}.${t.name}`).join(', ')} TO ${role}`,
  ];
}
