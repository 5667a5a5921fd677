import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { LlmConfig } from '../../config/index.js';
import { AppError } from '../../platform/errors.js';
import type { StoredDataset } from '../datasets/index.js';
import type { Guard } from '../guard/index.js';
import { type Asker, type Generated, type LlmTrace, type Plan, type QueryRecord, planQuery, refusalMessage } from '../query/index.js';
import type { Budgets, Spend } from '../traffic/index.js';
import { clip, parseAnswer } from './answer.js';
import type { ExampleStore } from './examples.js';
import { type PromptExample, closestExamples, estimateTokens, questionMessage, repairMessage, systemPrompt } from './prompt.js';
import { type ChatMessage, type Completion, type LlmProvider, circuitOpen } from './provider.js';
import { decodeRuns } from './screen-decode.js';
import { screenQuestion } from './screen.js';

/** Micro-dollars for a call: prices are USD per million tokens, so a token costs `price` micro-dollars. */
export function costMicros(prices: LlmConfig['prices'], model: string, tokens: { prompt: number; completion: number }): number {
  const price = prices[model];
  return price ? Math.ceil(tokens.prompt * price.input + tokens.completion * price.output) : 0;
}

/** Longer texts are only searched as written: what an answer can carry out is bounded by its schema. */
const MAX_DECODED_CHARS = 50_000;

/**
 * Whether any of these texts carries the canary: however spaced or cased, reversed, or inside an
 * encoded run (base64, hex, percent-encoding, escapes, entities — the screen's decoder).
 */
export function leaksCanary(texts: readonly string[], canary: string): boolean {
  const squeeze = (s: string) => s.normalize('NFKC').toLowerCase().replace(/[^a-z0-9]/g, '');
  const needle = squeeze(canary);
  const backwards = [...needle].reverse().join('');
  return texts.some((text) =>
    [text, ...(text.length <= MAX_DECODED_CHARS ? [decodeRuns(text).text] : [])].some((form) => {
      const squeezed = squeeze(form);
      return squeezed.includes(needle) || squeezed.includes(backwards);
    }),
  );
}

/**
 * How much of its own answer the model is shown again on a repair turn: a whole valid answer (the
 * schema's 20,000 + 1,000 characters and its JSON), never the megabytes a broken endpoint may send.
 */
const MAX_ECHO_CHARS = 22_000;

/** A canary's length, for estimates made before there is one. */
const CANARY_SHAPE = `AUR-${'x'.repeat(16)}`;

const firstTurn = (q: QueryRecord & { question: string }, d: StoredDataset, examples: PromptExample[], canary: string): ChatMessage[] => [
  { role: 'system', content: systemPrompt(d, q.role, examples, canary) },
  questionMessage(q.question),
];

export interface AskerDeps {
  cfg: LlmConfig;
  provider: LlmProvider;
  guard: Guard;
  examples: ExampleStore;
  budgets: Budgets;
  logger: Logger;
}

/**
 * DESIGN.md §5 step 2: question → SQL. The model sees the dataset's tables and columns (never
 * values), a few verified examples the caller's role may run, and the question as data. Each
 * answer is untrusted: checked for the canary, parsed against the schema, then planned by the
 * guard and policy exactly like user SQL; a refusal goes back to the model with the violations,
 * at most `maxRepairs` times. Every call reserves its estimated tokens and cost against the
 * budgets first and settles what was spent after.
 */
export function createAsker(deps: AskerDeps): Asker {
  const { cfg } = deps;
  const zero: Spend = { tokens: 0, costMicros: 0 };
  const estimate = (messages: ChatMessage[]): Spend => {
    const prompt = estimateTokens(messages);
    return { tokens: prompt + cfg.maxOutputTokens, costMicros: costMicros(cfg.prices, cfg.model, { prompt, completion: cfg.maxOutputTokens }) };
  };

  /** One call under a budget reservation, settled with what the endpoint reported. */
  async function call(subject: QueryRecord, messages: ChatMessage[], signal: AbortSignal): Promise<Completion> {
    const guess = estimate(messages);
    const reservation = await deps.budgets.reserve(subject, guess);
    let spent = zero;
    try {
      const completion = await deps.provider.complete(messages, signal);
      spent = { tokens: completion.promptTokens + completion.completionTokens, costMicros: costMicros(cfg.prices, cfg.model, { prompt: completion.promptTokens, completion: completion.completionTokens }) };
      return completion;
    } catch (err) {
      // A call abandoned at its deadline, or by a cancel or the kill switch, may still have been run
      // (and billed) by the endpoint: it is charged at its estimate, or hanging up would be free.
      if (signal.aborted || (err instanceof AppError && err.code === 'UPSTREAM_TIMEOUT')) spent = guess;
      throw err;
    } finally {
      await deps.budgets.settle(subject, reservation, spent);
    }
  }

  return {
    available() {
      // Once the open period is over, the next question is the probe, so it goes through.
      const wait = deps.provider.retryAfterMs();
      if (wait > 0) throw circuitOpen(wait);
    },

    screen(question) {
      const r = screenQuestion(question, { maxChars: cfg.maxQuestionChars });
      if (r.ok) return { ok: true, question: r.question };
      if (r.code === 'VALIDATION_ERROR') throw new AppError('VALIDATION_ERROR', r.reason, { details: { fields: [{ path: 'body/question', message: r.reason }] } });
      return { ok: false, category: r.category, reason: r.reason, signals: r.signals };
    },

    async checkBudget(q, d) {
      // The first call's estimate without examples: what the job will reserve, give or take them.
      await deps.budgets.check(q, estimate(firstTurn(q, d, [], CANARY_SHAPE)));
    },

    async generate(q, d: StoredDataset, signal): Promise<Generated> {
      const caller = { userId: q.userId, role: q.role, claims: q.claims };
      const examples = closestExamples(q.question, await deps.examples.forCaller(d, caller), cfg.promptExamples);
      const canary = `AUR-${randomBytes(12).toString('base64url')}`;
      const messages = firstTurn(q, d, examples, canary);
      const trace: LlmTrace = { model: cfg.model, explanation: null, attempts: [], prompt_tokens: 0, completion_tokens: 0, cost_micros: 0, examples: examples.length };
      let last: { sql: string | null; plan?: Plan; problem?: string } = { sql: null };

      for (let turn = 0; turn <= cfg.maxRepairs; turn++) {
        let completion: Completion;
        try {
          completion = await call(q, messages, signal);
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          return { ok: false, code: err.code, message: err.message, sql: last.sql, trace, ...(last.plan ? { plan: last.plan } : {}) };
        }
        trace.model = completion.model;
        trace.prompt_tokens += completion.promptTokens;
        trace.completion_tokens += completion.completionTokens;
        trace.cost_micros += costMicros(cfg.prices, cfg.model, { prompt: completion.promptTokens, completion: completion.completionTokens });
        const attempt = { sql: null as string | null, valid: false, violations: [] as string[], problem: null as string | null, prompt_tokens: completion.promptTokens, completion_tokens: completion.completionTokens, ms: completion.ms };
        trace.attempts.push(attempt);

        // The answer is withheld entirely: not stored, not shown, not sent back to the model. What
        // would be shown is searched decoded too: a JSON escape (\u0041) hides it from the raw text.
        const parsed = parseAnswer(completion.content);
        const shown = parsed.ok ? [parsed.answer.sql, parsed.answer.explanation] : [parsed.problem];
        if (leaksCanary([completion.content, ...shown], canary)) {
          attempt.violations.push('CANARY_LEAKED');
          attempt.problem = 'The answer repeated the confidential instructions and was withheld.';
          deps.logger.warn({ query_id: q.id, dataset_id: d.id }, 'llm.canary_leaked');
          return {
            ok: false, code: 'PROMPT_INJECTION_DETECTED', sql: null, trace,
            message: 'The model\'s answer repeated its confidential instructions, so it was withheld: the question looks like an attempt to extract them.',
            injection: { category: 'prompt_exfiltration', signals: ['canary_leaked'] },
          };
        }
        if (!parsed.ok) {
          attempt.violations.push('UNPARSEABLE_ANSWER');
          attempt.problem = parsed.problem;
          last = { sql: null, problem: parsed.problem };
          messages.push({ role: 'assistant', content: clip(completion.content, MAX_ECHO_CHARS) }, repairMessage({ text: parsed.problem }));
          continue;
        }
        const { sql, explanation } = parsed.answer;
        if (sql === '') {
          attempt.problem = 'The model declined: the question cannot be answered from this dataset.';
          trace.explanation = explanation;
          return { ok: false, code: 'VALIDATION_ERROR', message: `The question cannot be answered from this dataset: ${explanation || 'the model gave no reason.'}`, sql: null, trace };
        }
        attempt.sql = sql;
        const plan = planQuery(deps.guard, d, sql, caller);
        if (plan.violations.length === 0) {
          attempt.valid = true;
          trace.explanation = explanation;
          return { ok: true, sql, trace };
        }
        attempt.violations.push(...plan.violations.map((v) => v.code));
        last = { sql, plan };
        messages.push({ role: 'assistant', content: clip(completion.content, MAX_ECHO_CHARS) }, repairMessage({ violations: plan.violations }));
      }
      const tries = trace.attempts.length;
      const why = last.plan ? refusalMessage(last.plan) : `The model did not answer in the required format: ${last.problem ?? ''}`;
      return { ok: false, code: 'SQL_VALIDATION_FAILED', message: `The model's SQL was refused after ${tries} attempt${tries === 1 ? '' : 's'}. ${why}`, sql: last.sql, trace, ...(last.plan ? { plan: last.plan } : {}) };
    },
  };
}
