import { BrokenCircuitError } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import { createBreaker, withRetry, withTimeout } from '../../src/platform/resilience.js';

const fail = async () => Promise.reject(new Error('down'));
const ok = async () => 'ok';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('circuit breaker', () => {
  it('opens after the failure threshold and fails fast while open', async () => {
    const breaker = createBreaker('b', { failureThreshold: 2, recoveryTimeoutMs: 1_000, halfOpenMaxCalls: 1, successThreshold: 1 });
    await expect(breaker.execute(fail)).rejects.toThrow('down');
    expect(breaker.state()).toBe('closed');
    await expect(breaker.execute(fail)).rejects.toThrow('down');
    expect(breaker.state()).toBe('open');
    let called = false;
    await expect(breaker.execute(async () => ((called = true), 'x'))).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(called).toBe(false);
    expect(breaker.stats()).toMatchObject({ state: 'open', failures: 2, rejections: 1 });
  });

  it('lets a probe through after the recovery timeout and closes after the success threshold', async () => {
    const breaker = createBreaker('b', { failureThreshold: 1, recoveryTimeoutMs: 50, halfOpenMaxCalls: 1, successThreshold: 2 });
    await expect(breaker.execute(fail)).rejects.toThrow();
    await sleep(60);
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(breaker.state()).toBe('half_open');
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(breaker.state()).toBe('closed');
  });

  it('re-opens on a failure before the success threshold is reached', async () => {
    const breaker = createBreaker('b', { failureThreshold: 3, recoveryTimeoutMs: 50, halfOpenMaxCalls: 1, successThreshold: 3 });
    for (let i = 0; i < 3; i++) await expect(breaker.execute(fail)).rejects.toThrow();
    await sleep(60);
    await breaker.execute(ok);
    await expect(breaker.execute(fail)).rejects.toThrow('down');
    expect(breaker.state()).toBe('open');
  });

  it('admits at most halfOpenMaxCalls at once while proving itself', async () => {
    const breaker = createBreaker('b', { failureThreshold: 1, recoveryTimeoutMs: 50, halfOpenMaxCalls: 1, successThreshold: 3 });
    await expect(breaker.execute(fail)).rejects.toThrow();
    await sleep(60);
    await breaker.execute(ok);
    const slow = breaker.execute(() => sleep(50).then(() => 'slow'));
    await expect(breaker.execute(ok)).rejects.toBeInstanceOf(BrokenCircuitError);
    await expect(slow).resolves.toBe('slow');
  });

  it('trips on volume only after the minimum number of calls', async () => {
    const breaker = createBreaker('v', { failureThreshold: 3, volume: 5, recoveryTimeoutMs: 1_000, halfOpenMaxCalls: 1, successThreshold: 1 });
    for (let i = 0; i < 4; i++) await expect(breaker.execute(fail)).rejects.toThrow('down');
    expect(breaker.state()).toBe('closed');
    await expect(breaker.execute(fail)).rejects.toThrow('down');
    expect(breaker.state()).toBe('open');
  });
});

describe('retry and timeout', () => {
  it('retries retryable errors with backoff, and only those', async () => {
    let attempts = 0;
    const result = await withRetry({ attempts: 3, initialDelayMs: 1, maxDelayMs: 5, retryable: (e) => e.message === 'again' }, async () => {
      attempts++;
      if (attempts < 3) throw new Error('again');
      return 'done';
    });
    expect([result, attempts]).toEqual(['done', 3]);
    let permanent = 0;
    await expect(
      withRetry({ attempts: 3, initialDelayMs: 1, maxDelayMs: 5, retryable: (e) => e.message === 'again' }, async () => {
        permanent++;
        throw new Error('invalid');
      }),
    ).rejects.toThrow('invalid');
    expect(permanent).toBe(1);
  });

  it('gives up at the deadline with UPSTREAM_TIMEOUT and aborts the call', async () => {
    let aborted = false;
    const call = withTimeout(30, 'The dataset', (signal) => {
      signal.addEventListener('abort', () => (aborted = true));
      return sleep(1_000);
    });
    await expect(call).rejects.toMatchObject({ code: 'UPSTREAM_TIMEOUT', message: 'The dataset did not answer within 30 ms.' });
    expect(aborted).toBe(true);
  });
});
