import { BrokenCircuitError, DelegateBackoff, handleWhen, retry } from 'cockatiel';
import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import type { LlmConfig } from '../../config/index.js';
import { AppError } from '../../platform/errors.js';
import type { Breaker, BreakerRegistry } from '../../platform/resilience.js';
import { withTimeout } from '../../platform/resilience.js';
import { ANSWER_JSON_SCHEMA } from './answer.js';
import { estimateTokens } from './prompt.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface Completion {
  content: string;
  /** The model that answered, as the endpoint names it. */
  model: string;
  promptTokens: number;
  completionTokens: number;
  ms: number;
}

export interface LlmProvider {
  readonly model: string;
  readonly endpoint: string;
  complete(messages: ChatMessage[], signal: AbortSignal): Promise<Completion>;
  breaker: Breaker;
  /** Milliseconds until an open circuit lets a probe through; 0 when calls go through now. */
  retryAfterMs(): number;
}

/** Retrying again the same chat completion is safe: it reads nothing and changes nothing. */
function retryable(err: unknown): boolean {
  if (err instanceof AppError) return err.code === 'UPSTREAM_TIMEOUT';
  if (err instanceof APIUserAbortError) return false;
  if (err instanceof APIConnectionError) return true;
  return err instanceof APIError && (err.status === 429 || (err.status ?? 0) >= 500);
}

/** Whether a failure says the endpoint is unwell (counts towards opening the circuit). A 400 is our request's fault, not the endpoint's. */
function unhealthy(err: unknown): boolean {
  return retryable(err) || (err instanceof APIError && (err.status === 401 || err.status === 403 || err.status === 404));
}

/** `retry-after-ms` (OpenAI, Azure) or `Retry-After` in seconds or as an HTTP date. */
export function retryAfterMs(err: unknown, now = Date.now()): number | undefined {
  if (!(err instanceof APIError) || !err.headers) return undefined;
  const ms = Number(err.headers.get('retry-after-ms'));
  if (err.headers.get('retry-after-ms') !== null && Number.isFinite(ms) && ms >= 0) return ms;
  const header = err.headers.get('retry-after');
  if (header === null) return undefined;
  if (/^\d+(\.\d+)?$/.test(header.trim())) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Questions fail fast while the circuit is open: 503 with `Retry-After` (s) and `retry-after-ms`. */
export function circuitOpen(waitMs: number): AppError {
  return new AppError('SERVICE_UNAVAILABLE', 'The language model is failing; its circuit is open and questions fail fast until a probe succeeds.', {
    retryAfterSeconds: waitMs / 1000,
    headers: { 'retry-after-ms': String(waitMs) },
    details: { retry_after_ms: waitMs },
  });
}

/** The caller's error for a failed call; never the endpoint's own message (it may echo the prompt). */
function failure(err: unknown, cfg: LlmConfig, breakerWaitMs: number): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof BrokenCircuitError) return circuitOpen(breakerWaitMs);
  if (err instanceof APIError && err.status === 429) {
    const wait = retryAfterMs(err) ?? 1000;
    return new AppError('SERVICE_UNAVAILABLE', 'The language model is rate limiting Aureus; try again later.', { retryAfterSeconds: wait / 1000, details: { retry_after_ms: wait } });
  }
  if (err instanceof APIConnectionError) return new AppError('SERVICE_UNAVAILABLE', 'The language model could not be reached.', { retryAfterSeconds: 5, details: { retry_after_ms: 5000 } });
  if (err instanceof APIError) return new AppError('SERVICE_UNAVAILABLE', `The language model answered HTTP ${err.status ?? 'error'} (model ${cfg.model}).`, { retryAfterSeconds: 5 });
  return new AppError('SERVICE_UNAVAILABLE', 'The language model call failed.', { cause: err, retryAfterSeconds: 5 });
}

export interface ProviderObserver {
  call(outcome: 'success' | 'error' | 'timeout' | 'rejected', seconds: number, completion?: Completion): void;
}

/**
 * The one way to the model: the official `openai` client (so OpenAI, Azure OpenAI, vLLM, Ollama
 * and llama.cpp all work) with its own retries off, inside Aureus's policies — a deadline per
 * call, retries with jittered exponential backoff only on 429, 5xx, network errors and timeouts,
 * a `Retry-After` from the endpoint waited out when it is short and returned to the caller when it
 * is not, and the named `llm` breaker that counts each attempt once it has seen its minimum volume.
 * The client's retries are off because they would sleep through long Retry-After values and hide
 * attempts from the breaker.
 */
export function createProvider(cfg: LlmConfig, breakers: BreakerRegistry, observer: ProviderObserver): LlmProvider {
  const client = new OpenAI({
    baseURL: cfg.baseUrl ?? 'https://api.openai.com/v1',
    apiKey: cfg.apiKey ?? 'none',
    // Config is the only reader of the environment: nothing else is taken from OPENAI_* variables.
    organization: null,
    project: null,
    adminAPIKey: null,
    webhookSecret: null,
    maxRetries: 0,
    timeout: cfg.timeoutMs,
    logLevel: 'off',
    ...(cfg.apiKey ? {} : { defaultHeaders: { authorization: null } }),
  });
  const breaker = breakers.getOrCreate('llm', {
    failureThreshold: cfg.breaker.failures,
    volume: cfg.breaker.minCalls,
    recoveryTimeoutMs: cfg.breaker.recoveryMs,
    halfOpenMaxCalls: 1,
    successThreshold: 1,
  });
  const waitForBreaker = () => {
    const opened = breaker.stats().opened_at;
    return breaker.state() === 'open' && opened ? Math.max(0, Date.parse(opened) + cfg.breaker.recoveryMs - Date.now()) : 0;
  };
  const responseFormat =
    cfg.responseFormat === 'json_schema' ? { type: 'json_schema' as const, json_schema: { name: 'sql_answer', strict: true, schema: ANSWER_JSON_SCHEMA } }
    : cfg.responseFormat === 'json_object' ? { type: 'json_object' as const }
    : undefined;

  async function attempt(messages: ChatMessage[], signal: AbortSignal): Promise<Completion> {
    const started = performance.now();
    // A failure that is not the endpoint's fault comes back as a value, so the breaker ignores it.
    const outcome = await breaker.execute(async () => {
      try {
        return await withTimeout(cfg.timeoutMs, 'The language model', async (deadline) => {
          const both = AbortSignal.any([signal, deadline]);
          const response = await client.chat.completions.create(
            { model: cfg.model, messages, temperature: 0, max_tokens: cfg.maxOutputTokens, ...(responseFormat ? { response_format: responseFormat } : {}) },
            { signal: both },
          );
          return { response };
        });
      } catch (err) {
        if (signal.aborted || !unhealthy(err)) return { error: err };
        throw err;
      }
    });
    if ('error' in outcome) throw outcome.error;
    const r = outcome.response;
    const content = r.choices[0]?.message?.content ?? '';
    // An endpoint that reports no usage (some local servers) is charged at an estimate, never as free.
    return {
      content,
      model: r.model || cfg.model,
      promptTokens: r.usage?.prompt_tokens ?? estimateTokens(messages),
      completionTokens: r.usage?.completion_tokens ?? Math.ceil(content.length / 3),
      ms: Math.round(performance.now() - started),
    };
  }

  return {
    model: cfg.model,
    endpoint: new URL(cfg.baseUrl ?? 'https://api.openai.com/v1').origin,
    breaker,
    retryAfterMs: waitForBreaker,
    async complete(messages, signal) {
      const started = performance.now();
      const policy = retry(
        handleWhen((err) => !signal.aborted && retryable(err) && (retryAfterMs(err) ?? 0) <= cfg.retryAfterMaxMs),
        {
          maxAttempts: cfg.maxRetries,
          // The endpoint's Retry-After when it gave one, else full jitter over 250 ms × 2^n, at most 8 s.
          backoff: new DelegateBackoff<{ attempt: number; result: unknown }>((ctx) => {
            const result = ctx.result as { error?: unknown };
            return retryAfterMs(result.error) ?? Math.random() * Math.min(8000, 250 * 2 ** (ctx.attempt - 1));
          }),
        },
      );
      try {
        const completion = await policy.execute(() => attempt(messages, signal), signal);
        observer.call('success', (performance.now() - started) / 1000, completion);
        return completion;
      } catch (err) {
        const error = failure(err, cfg, waitForBreaker());
        const kind = err instanceof BrokenCircuitError ? 'rejected' : error.code === 'UPSTREAM_TIMEOUT' ? 'timeout' : 'error';
        observer.call(kind, (performance.now() - started) / 1000);
        throw error;
      }
    },
  };
}
