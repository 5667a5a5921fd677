import type { Component, Status } from './schemas.js';

/** seed 000 thresholds: under 100 ms healthy, under 500 ms degraded, else unhealthy. */
export function statusForLatency(ms: number): Status {
  if (ms < 100) return 'healthy';
  if (ms < 500) return 'degraded';
  return 'unhealthy';
}

export type CheckResult = { message: string; configured?: boolean; status?: Status };
export type Check = () => Promise<CheckResult>;

const CHECK_TIMEOUT_MS = 1_000;

/** Runs one check with a deadline; a thrown error or a timeout is an unhealthy component. */
export async function runCheck(name: string, check: Check): Promise<Component> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    const result = await Promise.race([check(), deadline]);
    const latency = performance.now() - started;
    return {
      name,
      status: result.status ?? statusForLatency(latency),
      latency_ms: Math.round(latency * 100) / 100,
      message: result.message,
      configured: result.configured ?? true,
    };
  } catch (err) {
    const latency = performance.now() - started;
    return { name, status: 'unhealthy', latency_ms: Math.round(latency * 100) / 100, message: (err as Error).message, configured: true };
  } finally {
    clearTimeout(timer);
  }
}

/** The metadata store decides: without it nothing works; anything else only degrades. */
export function overallStatus(components: Component[]): Status {
  if (components.some((c) => c.name === 'database' && c.status === 'unhealthy')) return 'unhealthy';
  if (components.some((c) => c.status !== 'healthy')) return 'degraded';
  return 'healthy';
}
