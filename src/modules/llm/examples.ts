import type { Db, Executor } from '../../platform/db/index.js';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { AuditService } from '../audit/index.js';
import type { StoredDataset } from '../datasets/index.js';
import type { Guard } from '../guard/index.js';
import type { Principal } from '../identity/index.js';
import { type Finished, type Plan, planQuery } from '../query/index.js';
import { screenQuestion } from './screen.js';

export interface Example {
  id: string;
  datasetId: string;
  question: string;
  sql: string;
  source: 'admin' | 'promoted';
  queryId: string | null;
  createdBy: string;
  createdAt: Date;
}

/** The examples a prompt can draw on: the newest of a dataset, at most this many. */
const MAX_EXAMPLES = 500;

/** An example's question, as the write schema allows it. */
const MAX_EXAMPLE_QUESTION_CHARS = 2000;

type Caller = Parameters<typeof planQuery>[3];
const callerOf = (p: Principal): Caller => ({ userId: p.userId, role: p.role, claims: { team: p.team, email: p.email } });

const COLUMNS = 'id, dataset_id, question, sql, source, query_id, created_by, created_at';

const toExample = (r: Record<string, unknown>): Example => ({
  id: r.id as string,
  datasetId: r.dataset_id as string,
  question: r.question as string,
  sql: r.sql as string,
  source: r.source as Example['source'],
  queryId: r.query_id as string | null,
  createdBy: r.created_by as string,
  createdAt: r.created_at as Date,
});

async function insert(tx: Executor, e: Example, organizationId: string): Promise<void> {
  const { rowCount } = await tx.query(
    `INSERT INTO llm_examples (id, organization_id, dataset_id, question, sql, source, query_id, created_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (dataset_id, lower(question)) DO NOTHING`,
    [e.id, organizationId, e.datasetId, e.question, e.sql, e.source, e.queryId, e.createdBy, e.createdAt],
  );
  if (rowCount === 0) throw new AppError('CONFLICT', 'The dataset already has an example with this question; delete it first to replace it.');
}

/**
 * Verified question → SQL examples per dataset (seed: few-shot prompting). Admins write them or
 * promote a query that succeeded; each is checked by the guard against the dataset's policy when
 * saved, and again for the asking caller's role whenever it would go into a prompt or a list.
 */
export function createExampleStore(deps: { db: Db; guard: Guard; audit: AuditService }) {
  const plan = (d: StoredDataset, caller: Caller, sql: string): Plan => planQuery(deps.guard, d, sql, caller);

  /**
   * An example's question goes into every later prompt of the dataset, in the system prompt: it is
   * screened like a question, whoever wrote it (a promoted question may be a user's).
   */
  async function screen(actor: Principal, d: StoredDataset, question: string): Promise<string> {
    const r = screenQuestion(question, { maxChars: MAX_EXAMPLE_QUESTION_CHARS });
    if (r.ok) return r.question;
    if (r.code === 'VALIDATION_ERROR') throw new AppError('VALIDATION_ERROR', r.reason, { details: { fields: [{ path: 'body/question', message: r.reason }] } });
    await deps.db.transaction((tx) =>
      deps.audit.recordSecurityEvent(tx, {
        type: 'prompt_injection_detected', severity: 'high', organizationId: actor.organizationId, userId: actor.userId,
        detail: { dataset_id: d.id, source: 'llm_example', category: r.category, signals: r.signals },
      }),
    );
    throw new AppError('PROMPT_INJECTION_DETECTED', `The example's question was refused: ${r.reason}`, { details: { category: r.category } });
  }

  async function save(actor: Principal, d: StoredDataset, fields: Pick<Example, 'question' | 'sql' | 'source' | 'queryId'>): Promise<Example> {
    const checked = plan(d, callerOf(actor), fields.sql);
    if (checked.violations.length > 0) throw new AppError('SQL_VALIDATION_FAILED', `The example's SQL is refused: ${checked.violations.map((v) => v.message).join('; ')}`, { details: { violations: checked.violations } });
    const question = await screen(actor, d, fields.question);
    const example: Example = { id: newId(), datasetId: d.id, createdBy: actor.userId, createdAt: new Date(), ...fields, question };
    await deps.db.transaction(async (tx) => {
      await insert(tx, example, actor.organizationId);
      await deps.audit.record(tx, {
        type: 'llm_example.created', organizationId: actor.organizationId, userId: actor.userId, resourceType: 'llm_example', resourceId: example.id,
        details: { dataset_id: d.id, source: example.source, query_id: example.queryId, question: example.question, sql: example.sql },
      });
    });
    return example;
  }

  /**
   * The examples this caller's role may run: the others would teach a refused pattern, and their
   * SQL may hold a literal PII value (`WHERE ssn = '…'`) the role is shown only masked.
   */
  async function forCaller(d: StoredDataset, caller: Caller): Promise<Example[]> {
    const { rows } = await deps.db.query(`SELECT ${COLUMNS} FROM llm_examples WHERE dataset_id = $1 ORDER BY created_at DESC, id DESC LIMIT ${MAX_EXAMPLES}`, [d.id]);
    return rows.map((r) => toExample(r as Record<string, unknown>)).filter((e) => plan(d, caller, e.sql).violations.length === 0);
  }

  return {
    forCaller,
    /** GET …/examples: what the caller's role may run, like their prompts. */
    list: (actor: Principal, d: StoredDataset) => forCaller(d, callerOf(actor)),

    create: (actor: Principal, d: StoredDataset, input: { question: string; sql: string }) => save(actor, d, { ...input, source: 'admin', queryId: null }),

    /** A query that ran and succeeded, as an example: its question (or the one given for a SQL query) and its SQL. */
    promote(actor: Principal, d: StoredDataset, found: Finished, question: string | undefined): Promise<Example> {
      const q = found.record;
      if (q.status !== 'success' || q.sql === null) throw new AppError('CONFLICT', `Only a query that succeeded can become an example; this one is ${q.status}.`);
      const text = question ?? q.question;
      if (!text) throw new AppError('VALIDATION_ERROR', 'This query was SQL, not a question: give the question it answers.', { details: { fields: [{ path: 'body/question', message: 'required for a SQL query' }] } });
      return save(actor, d, { question: text, sql: q.sql, source: 'promoted', queryId: q.id });
    },

    async remove(actor: Principal, d: StoredDataset, id: string): Promise<void> {
      await deps.db.transaction(async (tx) => {
        const { rowCount } = await tx.query('DELETE FROM llm_examples WHERE id = $1 AND dataset_id = $2', [id, d.id]);
        if (rowCount === 0) throw new AppError('RESOURCE_NOT_FOUND', 'No such example.');
        await deps.audit.record(tx, { type: 'llm_example.deleted', organizationId: actor.organizationId, userId: actor.userId, resourceType: 'llm_example', resourceId: id, details: { dataset_id: d.id } });
      });
    },
  };
}

export type ExampleStore = ReturnType<typeof createExampleStore>;
