import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Broadcast } from '../../platform/broadcast.js';
import { currentRequestId, runWithContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { JobQueue } from '../../platform/queue/index.js';
import type { DatasetService, StoredDataset } from '../datasets/index.js';
import type { Guard } from '../guard/index.js';
import { type Principal, scopeOf } from '../identity/index.js';
import { type Executor, type Outcome, type StopReason, failed, refusalMessage, stopped } from './execute.js';
import { type Plan, planQuery } from './plan.js';
import type { ResultStore } from './results.js';
import type { QueryStore } from './store.js';
import { FINAL_STATUSES, type LlmTrace, type QueryRecord, type ResultData } from './types.js';

export const EXECUTE_JOB = 'query.execute';
/** How often a caller waiting on a job another process runs re-reads its state. */
const POLL_MS = 200;
/** How long DELETE waits for a running query to stop before answering. */
const CANCEL_WAIT_MS = 5_000;
/** How long a cancel for a query not (yet) running here is remembered. */
const EARLY_CANCEL_MS = 60_000;

/** What the screen found in a question before any model saw it. */
export type Screening = { ok: true; question: string } | { ok: false; category: string; reason: string; signals: string[] };

/** The model's SQL for a question, or why there is none; the trace either way. */
export type Generated =
  | { ok: true; sql: string; trace: LlmTrace }
  | { ok: false; code: string; message: string; sql: string | null; trace: LlmTrace; plan?: Plan; injection?: { category: string; signals: string[] } };

/**
 * Question → SQL (the llm module, DESIGN.md §5 step 2). The query service calls it and owns
 * everything after: the SQL it returns is planned, guarded and run like anyone's.
 */
export interface Asker {
  /** Throws SERVICE_UNAVAILABLE while the model's circuit is open: fail fast, don't queue. */
  available(): void;
  /** Length and control characters throw VALIDATION_ERROR; an injection attempt is returned. */
  screen(question: string): Screening;
  /** Throws QUOTA_EXCEEDED when the question's first call would exceed the caller's or organization's budget. */
  checkBudget(q: QueryRecord & { question: string }, d: StoredDataset): Promise<void>;
  generate(q: QueryRecord & { question: string }, d: StoredDataset, signal: AbortSignal): Promise<Generated>;
}

export interface QueryServiceDeps {
  guard: Guard;
  datasets: Pick<DatasetService, 'forCaller' | 'byId'>;
  executor: Executor;
  store: QueryStore;
  results: ResultStore;
  queue: JobQueue;
  broadcast: Broadcast;
  killSwitchOn: () => boolean;
  /** Absent when no model is configured: questions answer 503. */
  asker: Asker | undefined;
  maxSqlBytes: number;
  logger: Logger;
  observe: (outcome: Outcome) => void;
}

export interface Finished {
  record: QueryRecord;
  data: ResultData | null;
}

export function createQueryService(deps: QueryServiceDeps) {
  const running = new Map<string, AbortController>();
  const finished = new EventEmitter().setMaxListeners(0);
  let localWorker = false;

  // A cancel can reach this instance just before its run starts (the caller saw 'running' in the
  // store a moment before the run registered here): it is remembered briefly and honoured at start.
  const early = new Map<string, number>();
  deps.broadcast.subscribe((m) => {
    if (m.type !== 'query_cancel') return;
    const controller = running.get(m.queryId);
    if (controller) return controller.abort('cancel' satisfies StopReason);
    const now = Date.now();
    for (const [id, at] of early) if (now - at > EARLY_CANCEL_MS) early.delete(id);
    early.set(m.queryId, now);
  });

  function admit(): void {
    if (deps.killSwitchOn()) throw new AppError('SERVICE_UNAVAILABLE', 'The kill switch is on: Aureus is not answering queries until an admin turns it off.', { retryAfterSeconds: 30 });
  }

  function admitSql(sql: string): void {
    admit();
    const bytes = Buffer.byteLength(sql, 'utf8');
    if (bytes > deps.maxSqlBytes) throw new AppError('PAYLOAD_TOO_LARGE', `The SQL is ${bytes} bytes; the limit is ${deps.maxSqlBytes} (MAX_SQL_BYTES).`, { details: { limit_bytes: deps.maxSqlBytes } });
  }

  function asker(): Asker {
    if (!deps.asker) {
      throw new AppError('SERVICE_UNAVAILABLE', 'Natural-language questions are off: no language model is configured. Set LLM_MODEL and OPENAI_BASE_URL (or OPENAI_API_KEY); SQL queries work without one.', {
        details: { configure: ['LLM_MODEL', 'OPENAI_BASE_URL', 'OPENAI_API_KEY'] },
      });
    }
    return deps.asker;
  }

  function newRecord(actor: Principal, d: StoredDataset, query: { sql: string; fingerprint: string | null } | { question: string }): QueryRecord {
    return {
      id: newId(), organizationId: actor.organizationId, userId: actor.userId, apiKeyId: actor.apiKeyId, datasetId: d.id, role: actor.role,
      claims: { team: actor.team, email: actor.email },
      ...('question' in query ? { source: 'ask', question: query.question, sql: null, fingerprint: null } : { source: 'sql', question: null, sql: query.sql, fingerprint: query.fingerprint }),
      llm: null, status: 'pending', errorCode: null, errorMessage: null, columns: null, rowCount: null, truncated: null, cached: false, resultSha256: null,
      executionTimeMs: null, policyVersion: d.version, requestId: currentRequestId() ?? null, createdAt: new Date(), startedAt: null, finishedAt: null,
    };
  }

  /** A refusal decided before the query was queued: stored (with its evidence and events), then thrown. */
  async function refuse(q: QueryRecord, outcome: Outcome, details: Record<string, unknown>): Promise<never> {
    await deps.store.finish(q, outcome, true);
    deps.observe(outcome);
    throw new AppError(outcome.errorCode as 'SQL_VALIDATION_FAILED', outcome.errorMessage as string, { details: { query_id: q.id, ...details } });
  }

  /**
   * A question's SQL, from the model; the record carries the trace from here on. Returns the
   * record ready to execute, or the outcome that ends it.
   */
  async function generate(q: QueryRecord, d: StoredDataset, signal: AbortSignal): Promise<{ runnable: QueryRecord & { sql: string } } | { record: QueryRecord; outcome: Outcome }> {
    if (q.sql !== null) return { runnable: q as QueryRecord & { sql: string } };
    const g = await asker().generate(q as QueryRecord & { question: string }, d, signal);
    const record = { ...q, sql: g.sql, llm: g.trace };
    if (signal.aborted) return { record, outcome: stopped(signal.reason as StopReason) };
    if (g.ok) return { runnable: { ...record, sql: g.sql } };
    const outcome = failed(g.code, g.message, g.plan);
    return { record, outcome: g.injection ? { ...outcome, injection: g.injection } : outcome };
  }

  /** Runs one query to its final state and stores it; the one path for queued and waited-for queries. */
  async function run(q: QueryRecord, withSubmitted: boolean, handoff: { persisted?: Promise<void> } = {}): Promise<Finished | undefined> {
    const controller = new AbortController();
    running.set(q.id, controller);
    if (early.delete(q.id)) controller.abort('cancel' satisfies StopReason);
    let outcome: Outcome;
    try {
      const d = await deps.datasets.byId(q.datasetId);
      if (deps.killSwitchOn()) outcome = stopped('kill_switch');
      else if (!d) outcome = failed('RESOURCE_NOT_FOUND', 'The dataset no longer exists.');
      else {
        const next = await generate(q, d, controller.signal);
        if ('outcome' in next) {
          q = next.record;
          outcome = next.outcome;
        } else {
          q = next.runnable;
          outcome = await deps.executor.execute({ ...next.runnable, startedAt: q.startedAt ?? new Date() }, d, controller.signal);
        }
      }
    } catch (err) {
      deps.logger.error({ query_id: q.id, err_message: (err as Error).message }, 'query.execute_failed');
      outcome = failed('INTERNAL_ERROR', 'An internal error occurred while running the query.');
    } finally {
      running.delete(q.id);
    }
    // A caller that stopped waiting had the row written; the final write must follow it. (No await
    // between this check and the final write's enqueue, so a handoff set later finds it queued.)
    const persisted = handoff.persisted;
    if (persisted) await persisted.catch(() => undefined);
    const record = await deps.store.finish({ ...q, startedAt: q.startedAt ?? new Date() }, outcome, withSubmitted && !persisted);
    if (!record) return undefined;
    deps.observe(outcome);
    finished.emit(q.id);
    return { record, data: outcome.data };
  }

  function visible(actor: Principal, q: QueryRecord | undefined): QueryRecord {
    const scope = scopeOf(actor.role, 'query.read');
    if (!q || q.organizationId !== actor.organizationId || (scope === 'own' && q.userId !== actor.userId)) throw new AppError('RESOURCE_NOT_FOUND', 'No such query.');
    return q;
  }

  async function load(id: string): Promise<Finished | undefined> {
    const record = await deps.store.find(id);
    if (!record) return undefined;
    if (record.status !== 'success') return { record, data: null };
    const stored = await deps.store.result(id);
    return { record, data: stored ? deps.results.open(id, stored.sealed) : null };
  }

  /** Resolves when the query reaches a final state or `ms` passes (local event, else polling). */
  async function waitFor(id: string, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const woke = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => done(false), Math.min(POLL_MS, deadline - Date.now()));
        function done(value: boolean) {
          clearTimeout(timer);
          finished.off(id, onFinish);
          resolve(value);
        }
        const onFinish = () => done(true);
        finished.on(id, onFinish);
      });
      if (woke || FINAL_STATUSES.includes((await deps.store.find(id))?.status ?? 'pending')) return;
    }
  }

  /** A job for the query: run here while the caller waits when this process works jobs, else queued. */
  async function dispatch(q: QueryRecord, waitMs: number): Promise<Finished> {
    if (waitMs > 0 && localWorker) {
      // The caller waits and this process runs jobs: run here, no queue round trip; the row is
      // written once, with the final state — or when the wait ends first, so the id resolves.
      const handoff: { persisted?: Promise<void> } = {};
      const started = { ...q, status: 'running' as const, startedAt: new Date() };
      const execution = run(started, true, handoff);
      // Observed here too: once the caller stops waiting, a failure has no one else to go to.
      execution.catch((err: Error) => deps.logger.error({ query_id: q.id, err_message: err.message }, 'query.finish_failed'));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), waitMs)));
      const first = await Promise.race([execution, timeout]);
      clearTimeout(timer);
      if (first !== 'timeout' && first) return first;
      // Fails (duplicate id) only when the final write was already queued: then that one stands.
      handoff.persisted = deps.store.submitted(started);
      await handoff.persisted.catch(() => undefined);
      return (await load(q.id)) ?? { record: started, data: null };
    }
    await deps.store.submitted(q);
    await deps.queue.add(EXECUTE_JOB, { queryId: q.id }, { jobId: q.id });
    if (waitMs > 0) await waitFor(q.id, waitMs);
    return (await load(q.id)) ?? { record: q, data: null };
  }

  return {
    /** POST /v1/query/sql: refused at once, or a job; waited for up to `waitMs` when asked. */
    async submitSql(actor: Principal, input: { sql: string; datasetId: string }, waitMs: number): Promise<Finished> {
      admitSql(input.sql);
      const d = await deps.datasets.forCaller(actor, input.datasetId);
      const plan = planQuery(deps.guard, d, input.sql, { userId: actor.userId, role: actor.role, claims: { team: actor.team, email: actor.email } });
      const q = newRecord(actor, d, { sql: input.sql, fingerprint: plan.verdict.fingerprint || null });
      if (plan.violations.length > 0) return refuse(q, failed('SQL_VALIDATION_FAILED', refusalMessage(plan), plan), { violations: plan.violations });
      return dispatch(q, waitMs);
    },

    /**
     * POST /v1/query/ask: screened, budget-checked and refused at once when it must be; otherwise a
     * job like any query, whose first step asks the model for SQL.
     */
    async submitAsk(actor: Principal, input: { question: string; datasetId: string }, waitMs: number): Promise<Finished> {
      admit();
      const llm = asker();
      llm.available();
      const screened = llm.screen(input.question);
      const d = await deps.datasets.forCaller(actor, input.datasetId);
      const q = newRecord(actor, d, { question: screened.ok ? screened.question : input.question });
      if (!screened.ok) {
        const outcome: Outcome = { ...failed('PROMPT_INJECTION_DETECTED', `The question was refused: ${screened.reason}`), injection: { category: screened.category, signals: screened.signals } };
        return refuse(q, outcome, { category: screened.category });
      }
      await llm.checkBudget(q as QueryRecord & { question: string }, d);
      return dispatch(q, waitMs);
    },

    async get(actor: Principal, id: string): Promise<Finished> {
      visible(actor, await deps.store.find(id));
      return (await load(id)) as Finished;
    },

    async cancel(actor: Principal, id: string): Promise<Finished> {
      const q = visible(actor, await deps.store.find(id));
      if (q.status === 'success' || q.status === 'error') throw new AppError('CONFLICT', `The query already finished (${q.status}).`);
      if (q.status !== 'cancelled') {
        const local = running.get(id);
        if (local) local.abort('cancel' satisfies StopReason);
        else await deps.broadcast.publish({ type: 'query_cancel', queryId: id });
        // Not running anywhere yet (queued): cancelled here; the worker will find it final.
        if (q.status === 'pending' && !local) await deps.store.finish(q, stopped('cancel'), false);
        await waitFor(id, CANCEL_WAIT_MS);
      }
      return (await load(id)) as Finished;
    },

    history(actor: Principal, limit: number, before?: { t: string; id: string }) {
      const own = scopeOf(actor.role, 'query.read') === 'own';
      return deps.store.list({ organizationId: actor.organizationId, ...(own ? { userId: actor.userId } : {}), limit, ...(before ? { before } : {}) });
    },

    /** POST /v1/query/validate: the plan this caller would get, without running anything. */
    async validate(actor: Principal, input: { sql: string; datasetId: string }) {
      admitSql(input.sql);
      const d = await deps.datasets.forCaller(actor, input.datasetId);
      return { dataset: d, plan: planQuery(deps.guard, d, input.sql, { userId: actor.userId, role: actor.role, claims: { team: actor.team, email: actor.email } }) };
    },

    /** The job handler: loads the query by id (the worker may be another process) and runs it. */
    async runQueued(queryId: string): Promise<void> {
      const q = await deps.store.markRunning(queryId);
      if (!q) return;
      await runWithContext({ requestId: q.requestId ?? newId() }, () => run(q, false));
    },

    workerStarted(): void {
      localWorker = true;
    },

    /** Kill switch on: every query running in this process is cancelled on its server. */
    stopAll(reason: StopReason): number {
      for (const controller of running.values()) controller.abort(reason);
      return running.size;
    },
  };
}

export type QueryService = ReturnType<typeof createQueryService>;
