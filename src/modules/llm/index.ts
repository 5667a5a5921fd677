import type { Logger } from 'pino';
import { Histogram } from 'prom-client';
import type { LlmConfig } from '../../config/index.js';
import type { App } from '../../http/server.js';
import type { Db } from '../../platform/db/index.js';
import type { Metrics } from '../../platform/metrics.js';
import type { BreakerRegistry } from '../../platform/resilience.js';
import type { AuditService } from '../audit/index.js';
import type { DatasetService } from '../datasets/index.js';
import type { Guard } from '../guard/index.js';
import type { CheckResult } from '../health/index.js';
import type { Asker, QueryService } from '../query/index.js';
import type { Budgets } from '../traffic/index.js';
import { createExampleStore } from './examples.js';
import { createProvider } from './provider.js';
import { llmRoutes } from './routes.js';
import { createAsker } from './service.js';

export interface LlmDeps {
  /** Undefined when no model is configured: the module still serves examples, and asks answer 503. */
  config: LlmConfig | undefined;
  db: Db;
  guard: Guard;
  audit: AuditService;
  budgets: Budgets;
  breakers: BreakerRegistry;
  metrics: Metrics;
  logger: Logger;
}

/** DESIGN.md §5 step 2: natural-language questions through an OpenAI-compatible model. */
export function createLlmModule(deps: LlmDeps) {
  const examples = createExampleStore({ db: deps.db, guard: deps.guard, audit: deps.audit });
  const cfg = deps.config;
  let asker: Asker | undefined;
  let health: () => Promise<CheckResult> = async () => ({ message: 'not configured: set LLM_MODEL and OPENAI_BASE_URL or OPENAI_API_KEY to answer questions', configured: false });

  if (cfg) {
    const seconds = new Histogram({
      name: 'aureus_llm_request_seconds', help: 'Calls to the language model (retries included), by outcome.', labelNames: ['outcome'],
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [deps.metrics.registry],
    });
    const tokens = deps.metrics.counter('aureus_llm_tokens_total', 'Tokens the language model reported, by model and kind.', ['model', 'kind']);
    const provider = createProvider(cfg, deps.breakers, {
      call(outcome, s, completion) {
        seconds.observe({ outcome }, s);
        if (!completion) return;
        tokens.inc({ model: completion.model, kind: 'prompt' }, completion.promptTokens);
        tokens.inc({ model: completion.model, kind: 'completion' }, completion.completionTokens);
      },
    });
    asker = createAsker({ cfg, provider, guard: deps.guard, examples, budgets: deps.budgets, logger: deps.logger });
    if (!cfg.prices[cfg.model]) deps.logger.warn({ model: cfg.model }, 'llm.no_price: LLM_PRICES has no entry for the model; cost budgets will not see its spend (token budgets do)');
    // The state of the breaker, not a call: a health probe must not spend tokens.
    health = async () => {
      const state = provider.breaker.state();
      const where = `${provider.model} at ${provider.endpoint}`;
      if (state === 'open' && provider.retryAfterMs() === 0) return { message: `${where}: circuit open, the next question is its probe`, status: 'degraded' };
      if (state === 'open') return { message: `${where}: circuit open, questions fail fast for ${Math.ceil(provider.retryAfterMs() / 1000)} s`, status: 'unhealthy' };
      if (state === 'half_open') return { message: `${where}: circuit half open (probing)`, status: 'degraded' };
      return { message: `${where}: circuit closed` };
    };
  }

  return {
    asker,
    examples,
    healthCheck: () => health(),
    routes: (app: App, queries: QueryService, datasets: Pick<DatasetService, 'forCaller'>) => llmRoutes(app, { queries, datasets, examples }),
  };
}

export type LlmModule = ReturnType<typeof createLlmModule>;
