import type { MaskingKind } from '../datasets/index.js';
import type { Role } from '../identity/index.js';

export type QueryStatus = 'pending' | 'running' | 'success' | 'error' | 'cancelled' | 'awaiting_approval';
export const FINAL_STATUSES: readonly QueryStatus[] = ['success', 'error', 'cancelled'];

export interface ResultColumn {
  name: string;
  type: string;
  masked: boolean;
  /** What was applied: a masking kind, or null for a column shown as stored. */
  masking: MaskingKind | null;
}

/** What row filters may bind, as the caller was when the query was submitted. */
export interface Claims {
  team: string | null;
  email: string;
}

export interface QueryRecord {
  id: string;
  organizationId: string;
  userId: string;
  apiKeyId: string | null;
  datasetId: string;
  role: Role;
  claims: Claims;
  source: 'sql' | 'ask';
  question: string | null;
  /** The statement run: the caller's, or the model's once it wrote one (null until then). */
  sql: string | null;
  /** How the model answered a question (`source: 'ask'`); null for SQL queries. */
  llm: LlmTrace | null;
  fingerprint: string | null;
  status: QueryStatus;
  errorCode: string | null;
  errorMessage: string | null;
  columns: ResultColumn[] | null;
  rowCount: number | null;
  truncated: boolean | null;
  cached: boolean;
  resultSha256: string | null;
  executionTimeMs: number | null;
  policyVersion: number | null;
  requestId: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** The masked result as delivered and stored. */
export interface ResultData {
  columns: ResultColumn[];
  rows: unknown[][];
}

/** One model call of a question: what it wrote, what the guard said, what it cost. */
export interface LlmAttempt {
  /** The statement written; null when the answer was unusable or withheld. */
  sql: string | null;
  valid: boolean;
  /** Guard and policy violation codes, or the reason the answer could not be used. */
  violations: string[];
  problem: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  ms: number;
}

/** Stored with an asked question and in its evidence pack. */
export interface LlmTrace {
  model: string;
  explanation: string | null;
  attempts: LlmAttempt[];
  prompt_tokens: number;
  completion_tokens: number;
  cost_micros: number;
  examples: number;
}
