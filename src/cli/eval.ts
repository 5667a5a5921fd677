import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Aureus } from '../app.js';
import type { Principal } from '../modules/identity/index.js';
import { fail, withApp } from './shared.js';

interface EvalOptions {
  dataset?: string;
  questions: string;
  as?: string;
  json?: boolean;
  minAccuracy: string;
  concurrency: string;
}

interface Outcome {
  id: string;
  question: string;
  correct: boolean;
  /** Why not: the query's error code, or "different result". */
  reason: string | null;
  sql: string | null;
  attempts: number;
  tokens: number;
  costMicros: number;
  ms: number;
}

/** The caller the questions are asked as: a real user, so role, masking and budgets all apply. */
async function principalFor(app: Aureus, email: string): Promise<Principal> {
  const { findUserByEmail } = await import('../modules/identity/index.js');
  const user = await findUserByEmail(app.db, email);
  if (!user || !user.isActive) fail(`no active user ${email} (use --as with an existing user)`);
  return {
    kind: 'user', userId: user.id, organizationId: user.organizationId, role: user.role, team: user.team, tier: user.tier, organizationTier: user.tier,
    email: user.email, apiKeyId: null, sessionId: null, tokenId: null, tokenExpiresAt: null,
  };
}

/** `demo` names the built-in demo dataset; anything else is a dataset name or id in the caller's organization. */
async function datasetId(app: Aureus, actor: Principal, name: string): Promise<string> {
  const { DEMO_NAME } = await import('../modules/datasets/index.js');
  const wanted = (name === 'demo' ? DEMO_NAME : name).toLowerCase();
  const found = (await app.modules.datasets.service.list(actor, 1000)).find((d) => d.id === name || d.name.toLowerCase() === wanted);
  if (!found) fail(`no dataset "${name}" visible to ${actor.email}`);
  return found.id;
}

function report(outcomes: Outcome[], model: string, dataset: string): string {
  const right = outcomes.filter((o) => o.correct).length;
  const lines = outcomes.map((o) => `${o.correct ? 'ok  ' : 'FAIL'} ${o.id.padEnd(6)} ${o.reason ? `[${o.reason}] ` : ''}${o.question}${o.correct ? '' : `\n       sql: ${o.sql ?? '(none)'}`}`);
  const ms = outcomes.map((o) => o.ms).sort((a, b) => a - b);
  const sum = (f: (o: Outcome) => number) => outcomes.reduce((n, o) => n + f(o), 0);
  lines.push(
    '',
    `model ${model} on dataset ${dataset}: execution accuracy ${right}/${outcomes.length} (${((100 * right) / Math.max(1, outcomes.length)).toFixed(1)} %)`,
    `tokens ${sum((o) => o.tokens)}, cost $${(sum((o) => o.costMicros) / 1e6).toFixed(4)}, repairs ${sum((o) => Math.max(0, o.attempts - 1))}, latency p50 ${ms[Math.floor(ms.length / 2)] ?? 0} ms, max ${ms.at(-1) ?? 0} ms`,
  );
  return `${lines.join('\n')}\n`;
}

/**
 * `aureus eval`: asks each question of a file through the governed path — screen, model, guard,
 * execution, masking, budgets, audit — as a real user, and scores execution accuracy: the
 * generated SQL's result against the expected result (src/modules/llm/evaluate.ts).
 */
export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('Score the configured model: questions → SQL → results, against expected results (execution accuracy)')
    .requiredOption('--questions <file>', 'question file (eval/demo-questions.json is the demo set)')
    .option('--dataset <name>', 'dataset name or id ("demo": the built-in demo; default: the file\'s)')
    .option('--as <email>', 'user to ask as (default: ADMIN_EMAIL)')
    .option('--json', 'print one JSON object instead of the report')
    .option('--min-accuracy <percent>', 'exit 1 below this execution accuracy', '0')
    .option('--concurrency <n>', 'questions in flight at once', '1')
    .action(async (o: EvalOptions) => {
      const { parseQuestionFile, sameResult } = await import('../modules/llm/evaluate.js');
      const text = await readFile(o.questions, 'utf8').catch((err: Error) => fail(`cannot read ${o.questions}: ${err.message}`, 2));
      let file: ReturnType<typeof parseQuestionFile>;
      try {
        file = parseQuestionFile(text);
      } catch (err) {
        fail(`${o.questions}: ${(err as Error).message}`, 2);
      }
      const concurrency = Number(o.concurrency);
      const minAccuracy = Number(o.minAccuracy);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 16) fail('--concurrency must be an integer from 1 to 16', 2);
      if (!(minAccuracy >= 0 && minAccuracy <= 100)) fail('--min-accuracy must be a percentage from 0 to 100', 2);

      const result = await withApp(async (app) => {
        if (!app.config.llm) fail('no language model is configured: set LLM_MODEL and OPENAI_BASE_URL (or OPENAI_API_KEY)');
        await app.startWorker();
        const actor = await principalFor(app, o.as ?? app.config.bootstrap.adminEmail);
        const dataset = o.dataset ?? file.dataset;
        const id = await datasetId(app, actor, dataset);
        const outcomes: Outcome[] = new Array(file.questions.length);
        let next = 0;
        const worker = async () => {
          while (next < file.questions.length) {
            const index = next++;
            const q = file.questions[index] as (typeof file.questions)[number];
            const started = performance.now();
            let done;
            try {
              done = await app.modules.query.service.submitAsk(actor, { question: q.question, datasetId: id }, 60_000);
            } catch (err) {
              const code = (err as { code?: string }).code ?? 'INTERNAL_ERROR';
              outcomes[index] = { id: q.id, question: q.question, correct: false, reason: code, sql: null, attempts: 0, tokens: 0, costMicros: 0, ms: Math.round(performance.now() - started) };
              continue;
            }
            const r = done.record;
            const correct = r.status === 'success' && done.data !== null && sameResult(q.expected, { rows: done.data.rows }, q.ordered);
            outcomes[index] = {
              id: q.id, question: q.question, correct, reason: correct ? null : r.status === 'success' ? 'different result' : (r.errorCode ?? r.status), sql: r.sql,
              attempts: r.llm?.attempts.length ?? 0, tokens: (r.llm?.prompt_tokens ?? 0) + (r.llm?.completion_tokens ?? 0), costMicros: r.llm?.cost_micros ?? 0,
              ms: Math.round(performance.now() - started),
            };
          }
        };
        await Promise.all(Array.from({ length: concurrency }, worker));
        return { outcomes, model: app.config.llm?.model ?? '', dataset };
      }).catch((err: Error) => fail(err.message));

      const right = result.outcomes.filter((x) => x.correct).length;
      const accuracy = (100 * right) / Math.max(1, result.outcomes.length);
      if (o.json) process.stdout.write(`${JSON.stringify({ model: result.model, dataset: result.dataset, correct: right, total: result.outcomes.length, accuracy, questions: result.outcomes })}\n`);
      else process.stdout.write(report(result.outcomes, result.model, result.dataset));
      if (accuracy < minAccuracy) process.exit(1);
    });
}
