import type { Logger } from 'pino';
import type { DatasetsModule, RunResult, StoredDataset as Dataset } from '../datasets/index.js';
import { TargetError } from '../datasets/index.js';
import type { Guard } from '../guard/index.js';
import { decodeRows, typeName } from './decode.js';
import { type ColumnMask, applyMasks, maskFor } from './masking.js';
import { type Plan, planQuery } from './plan.js';
import type { ResultStore } from './results.js';
import type { QueryRecord, ResultData } from './types.js';

export type StopReason = 'cancel' | 'kill_switch' | 'shutdown';

const STOPPED: Record<StopReason, string> = {
  cancel: 'The query was cancelled by its caller.',
  kill_switch: 'The query was cancelled: the kill switch was turned on.',
  shutdown: 'The query was cancelled: the server shut down.',
};

export interface Outcome {
  status: 'success' | 'error' | 'cancelled';
  errorCode: string | null;
  errorMessage: string | null;
  data: ResultData | null;
  truncated: boolean | null;
  cached: boolean;
  executionTimeMs: number | null;
  plan: Plan | undefined;
  /** Why a question was taken for an injection attempt (the screen's category and rules, or a leaked canary). */
  injection?: { category: string; signals: string[] };
}

export const failed = (code: string, message: string, plan?: Plan): Outcome => ({
  status: 'error', errorCode: code, errorMessage: message, data: null, truncated: null, cached: false, executionTimeMs: null, plan,
});

export function stopped(reason: StopReason, plan?: Plan): Outcome {
  return { status: 'cancelled', errorCode: null, errorMessage: STOPPED[reason], data: null, truncated: null, cached: false, executionTimeMs: null, plan };
}

export function refusalMessage(plan: Plan): string {
  return `The query was refused: ${plan.violations.map((v) => v.message).join('; ')}`;
}

export interface ExecuteDeps {
  guard: Guard;
  datasets: Pick<DatasetsModule, 'run' | 'origins' | 'box'>;
  results: ResultStore;
  maxResultBytes: number;
  logger: Logger;
}

/**
 * DESIGN.md §5 steps 3–6a for one queued or waited-for query: plan (guard, inference, row filters),
 * the cache, the run on the dataset, the check that the columns are the approved ones, masking.
 * Writes nothing: the caller stores the outcome with its audit record in one transaction.
 */
export function createExecutor(deps: ExecuteDeps) {
  const mac = (d: Dataset) => (text: string) => deps.datasets.box.mac('mask-hash', `${d.id}\n${text}`).toString('hex').slice(0, 24);

  async function masksFor(d: Dataset, plan: Plan, result: RunResult): Promise<ColumnMask[]> {
    const lookup = (refresh: boolean) => deps.datasets.origins(d, refresh);
    let origins = await lookup(false);
    if (result.fields.some((f) => f.tableOid !== 0 && !origins.has(`${f.tableOid}:${f.column}`))) origins = await lookup(true);
    return result.fields.map((f, i) =>
      maskFor(plan.level, { pii: plan.outputs[i]?.pii ?? new Map(), origin: f.tableOid === 0 ? undefined : origins.get(`${f.tableOid}:${f.column}`) }),
    );
  }

  async function execute(q: QueryRecord & { sql: string }, d: Dataset, signal: AbortSignal): Promise<Outcome> {
    const plan = planQuery(deps.guard, d, q.sql, { userId: q.userId, role: q.role, claims: q.claims });
    if (plan.violations.length > 0) return failed('SQL_VALIDATION_FAILED', refusalMessage(plan), plan);
    const key = deps.results.cacheKey({ datasetId: d.id, policyVersion: d.version, sql: plan.sql, params: plan.params, role: q.role });
    const hit = await deps.results.cached(key);
    if (hit) return { status: 'success', errorCode: null, errorMessage: null, data: hit.data, truncated: hit.truncated, cached: true, executionTimeMs: 0, plan };
    if (signal.aborted) return stopped(signal.reason as StopReason, plan);

    const started = performance.now();
    let result: RunResult;
    try {
      result = await deps.datasets.run(
        d,
        { sql: plan.sql, params: plan.params, defaultSchema: d.defaultSchema, timeoutMs: d.statementTimeoutMs, maxRows: d.maxRows, maxBytes: deps.maxResultBytes },
        signal,
      );
    } catch (err) {
      if (!(err instanceof TargetError)) throw err;
      if (err.kind === 'cancelled' || signal.aborted) return stopped((signal.reason as StopReason | undefined) ?? 'cancel', plan);
      if (err.kind === 'timeout') return failed('UPSTREAM_TIMEOUT', err.message, plan);
      if (err.kind === 'unavailable') return failed('SERVICE_UNAVAILABLE', err.message, plan);
      return failed('SQL_VALIDATION_FAILED', err.message, plan);
    }
    const executionTimeMs = Math.round(performance.now() - started);
    if (signal.aborted) return stopped(signal.reason as StopReason, plan);

    // Guard guarantee 4: the result's columns, in order, must be the ones the guard approved
    // (`*` was expanded from the policy; a table with more columns than listed stops here).
    const names = result.fields.map((f) => f.name);
    const approved = plan.verdict.output_columns.map((o) => o.name);
    if (names.length !== approved.length || names.some((n, i) => n !== approved[i])) {
      deps.logger.warn({ fingerprint: plan.verdict.fingerprint, dataset_id: d.id }, 'query.column_mismatch');
      return failed('SQL_VALIDATION_FAILED', 'The result\'s columns differ from the ones the guard approved; nothing was delivered. The dataset\'s column list may be out of date.', plan);
    }
    const masks = await masksFor(d, plan, result);
    const rows = applyMasks(decodeRows(result.rows, result.fields.map((f) => f.typeOid)), masks, mac(d));
    const data: ResultData = {
      columns: result.fields.map((f, i) => ({ name: f.name, type: typeName(f.typeOid), masked: masks[i] !== null, masking: masks[i] ?? null })),
      rows,
    };
    await deps.results.remember(key, { data, truncated: result.truncated });
    return { status: 'success', errorCode: null, errorMessage: null, data, truncated: result.truncated, cached: false, executionTimeMs, plan };
  }

  return { execute };
}

export type Executor = ReturnType<typeof createExecutor>;
