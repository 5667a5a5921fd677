// Public types of the guard. Wire names stay snake_case because the verdict is also the CLI's
// JSON output and the policy is the dataset registry's JSON.
import type { ViolationCode } from './codes.js';

export type { ViolationCode } from './codes.js';

export interface TablePolicy {
  /** Columns the caller may read, lowercase as PostgreSQL folds unquoted names. */
  readonly columns: readonly string[];
  /** PII columns and their masking mode; the guard only reports lineage, masking is applied later. */
  readonly pii?: Readonly<Record<string, string>>;
}

export interface Policy {
  /** Informational (audit, logs); the cache keys on a hash of the whole policy, version included. */
  readonly version?: string;
  /** Schema that unqualified names resolve against (the executor pins search_path to it). */
  readonly default_schema?: string;
  /** Keys are "schema.table". */
  readonly tables: Readonly<Record<string, TablePolicy>>;
  readonly functions?: { readonly allow?: readonly string[]; readonly deny?: readonly string[] };
  /** Row cap applied by wrapping the caller's text; absent = no wrapper. */
  readonly max_rows?: number;
  /** Plain EXPLAIN (never EXPLAIN ANALYZE). */
  readonly allow_explain?: boolean;
}

export interface Violation {
  readonly code: ViolationCode;
  readonly message: string;
  /** UTF-16 index into the caller's original SQL (what String.prototype.slice expects). */
  readonly location?: number;
}

export interface OutputColumn {
  readonly name: string;
  /** "schema.table.column" of every base column the value is derived from. */
  readonly sources: readonly string[];
}

export interface Verdict {
  readonly is_valid: boolean;
  readonly violations: readonly Violation[];
  readonly risk_score: number;
  /** The caller's own statement text (wrapped with the row cap); empty when refused. */
  readonly sanitized_sql: string;
  readonly tables_accessed: readonly string[];
  readonly columns_accessed: Readonly<Record<string, readonly string[]>>;
  readonly functions_used: readonly string[];
  readonly output_columns: readonly OutputColumn[];
  readonly predicate_columns: readonly string[];
  /**
   * Base columns read inside a computed select-list item — anything but a plain column
   * reference — of any SELECT or VALUES list, at any depth.
   */
  readonly computed_columns: readonly string[];
  readonly fingerprint: string;
}

export type PolicyResult =
  | { readonly ok: true; readonly value: Policy }
  | { readonly ok: false; readonly violations: readonly Violation[] };

export interface GuardOptions {
  /** Inputs above this many UTF-8 bytes are refused before parsing. */
  readonly maxSqlBytes?: number;
  /** Verdict LRU entries; 0 disables the cache. */
  readonly cacheSize?: number;
}

export interface Guard {
  /** Synchronous and total: never throws, whatever the input. */
  validate(sql: string, policy: Policy): Verdict;
  readonly options: Readonly<Required<GuardOptions>>;
}
