import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  CountBreaker,
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
  handleAll,
  handleWhen,
  retry,
  timeout,
  type CircuitBreakerPolicy,
  type IBreaker,
} from 'cockatiel';
import { AppError } from './errors.js';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** Consecutive failures (or failures within the last `volume` calls) that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before a probe is let through. */
  recoveryTimeoutMs: number;
  /** Calls allowed at once while the circuit is proving itself after a successful probe. */
  halfOpenMaxCalls: number;
  /** Successes needed after a probe before the circuit counts as closed again. */
  successThreshold: number;
  /** With `volume`, the breaker trips on a failure count among the last `volume` calls, and only once that many calls were seen. */
  volume?: number;
}

export interface BreakerStats {
  name: string;
  state: BreakerState;
  failures: number;
  successes: number;
  rejections: number;
  opened_at: string | null;
}

export interface Breaker {
  readonly name: string;
  execute<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T>;
  state(): BreakerState;
  stats(): BreakerStats;
}

/**
 * Cockatiel closes a circuit on the first successful half-open probe and lets everyone through
 * at once. Seed 000 §3 asks for a success threshold and a cap on half-open calls, so after the
 * probe this wrapper keeps the circuit "half open": at most `halfOpenMaxCalls` calls run at once,
 * and any failure before `successThreshold` successes re-opens it through the inner breaker.
 */
class ProbationBreaker implements IBreaker {
  probation = 0;
  constructor(private readonly inner: IBreaker) {}
  get state() {
    return this.inner.state;
  }
  set state(value: unknown) {
    this.inner.state = value;
  }
  success(state: CircuitState) {
    if (this.probation > 0) this.probation--;
    this.inner.success(state);
  }
  failure(state: CircuitState) {
    if (this.probation > 0) return true;
    return this.inner.failure(state);
  }
}

export function createBreaker(name: string, options: BreakerOptions): Breaker {
  // Every one of the last `volume` calls failing is `volume` consecutive failures (CountBreaker's
  // rate must stay below 1).
  const inner =
    options.volume && options.failureThreshold < options.volume
      ? new CountBreaker({ threshold: options.failureThreshold / options.volume, size: options.volume, minimumNumberOfCalls: options.volume })
      : new ConsecutiveBreaker(options.volume ?? options.failureThreshold);
  const breaker = new ProbationBreaker(inner);
  const policy: CircuitBreakerPolicy = circuitBreaker(handleAll, { halfOpenAfter: options.recoveryTimeoutMs, breaker });
  const counts = { failures: 0, successes: 0, rejections: 0 };
  let openedAt: Date | null = null;
  let inFlightProbation = 0;
  policy.onBreak(() => {
    openedAt = new Date();
    breaker.probation = 0;
  });
  policy.onReset(() => {
    openedAt = null;
    breaker.probation = Math.max(0, options.successThreshold - 1);
  });

  const state = (): BreakerState => {
    if (policy.state === CircuitState.Open || policy.state === CircuitState.Isolated) return 'open';
    if (policy.state === CircuitState.HalfOpen || breaker.probation > 0) return 'half_open';
    return 'closed';
  };

  return {
    name,
    state,
    async execute<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
      const probing = breaker.probation > 0;
      if (probing && inFlightProbation >= options.halfOpenMaxCalls) {
        counts.rejections++;
        throw new BrokenCircuitError();
      }
      if (probing) inFlightProbation++;
      try {
        const result = await policy.execute(({ signal }) => fn(signal));
        counts.successes++;
        return result;
      } catch (err) {
        if (err instanceof BrokenCircuitError) counts.rejections++;
        else counts.failures++;
        throw err;
      } finally {
        if (probing) inFlightProbation--;
      }
    },
    stats: () => ({ name, state: state(), ...counts, opened_at: openedAt?.toISOString() ?? null }),
  };
}

/** Named breakers, one per dependency; their states feed /health and /metrics. */
export class BreakerRegistry {
  private readonly breakers = new Map<string, Breaker>();

  getOrCreate(name: string, options: BreakerOptions): Breaker {
    let breaker = this.breakers.get(name);
    if (!breaker) {
      breaker = createBreaker(name, options);
      this.breakers.set(name, breaker);
    }
    return breaker;
  }

  all(): Breaker[] {
    return [...this.breakers.values()];
  }
}

export interface RetryOptions {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Only errors this returns true for are retried; retry only what is idempotent. */
  retryable: (err: Error) => boolean;
}

/** Exponential backoff with decorrelated jitter (cockatiel's default) on retryable errors only. */
export function withRetry<T>(options: RetryOptions, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const policy = retry(handleWhen(options.retryable), {
    maxAttempts: options.attempts - 1,
    backoff: new ExponentialBackoff({ initialDelay: options.initialDelayMs, maxDelay: options.maxDelayMs }),
  });
  return policy.execute(({ signal }) => fn(signal));
}

/**
 * Runs fn with a deadline: the signal aborts at `ms` and the call rejects with UPSTREAM_TIMEOUT,
 * so a hung dependency never holds a request longer than its budget.
 */
export async function withTimeout<T>(ms: number, what: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  try {
    return await timeout(ms, TimeoutStrategy.Aggressive).execute(({ signal }) => fn(signal));
  } catch (err) {
    if (err instanceof TaskCancelledError) {
      throw new AppError('UPSTREAM_TIMEOUT', `${what} did not answer within ${ms} ms.`, { cause: err });
    }
    throw err;
  }
}

/** An open circuit is a 503 with Retry-After, not a hang. */
export function breakerOpenError(name: string, retryAfterSeconds: number): AppError {
  return new AppError('SERVICE_UNAVAILABLE', `${name} is temporarily unavailable (circuit open).`, { retryAfterSeconds });
}

export { BrokenCircuitError, handleAll };
