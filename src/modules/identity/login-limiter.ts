import { AppError } from '../../platform/errors.js';

/**
 * Failed-login throttle per account and per client IP (in process, per instance). The traffic
 * capability replaces it with the shared Redis limiter; until then an attacker spreading guesses
 * over N instances gets N times the budget.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly perAccount = 10,
    private readonly perIp = 30,
    private readonly windowMs = 15 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  private recent(key: string): number[] {
    const since = this.now() - this.windowMs;
    const list = (this.failures.get(key) ?? []).filter((t) => t > since);
    if (list.length === 0) this.failures.delete(key);
    else this.failures.set(key, list);
    return list;
  }

  /** Throws RATE_LIMIT_EXCEEDED when either the account or the IP has failed too often. */
  check(email: string, ip: string): void {
    for (const [key, limit] of [[`acct:${email.toLowerCase()}`, this.perAccount], [`ip:${ip}`, this.perIp]] as const) {
      const list = this.recent(key);
      if (list.length >= limit) {
        const retryAfterSeconds = Math.ceil(((list[0] as number) + this.windowMs - this.now()) / 1000);
        throw new AppError('RATE_LIMIT_EXCEEDED', 'Too many failed sign-in attempts; try again later.', {
          retryAfterSeconds,
          details: { limit, window: `${this.windowMs / 60_000}m`, retry_after: retryAfterSeconds },
        });
      }
    }
  }

  fail(email: string, ip: string): void {
    for (const key of [`acct:${email.toLowerCase()}`, `ip:${ip}`]) this.failures.set(key, [...this.recent(key), this.now()]);
  }

  succeed(email: string): void {
    this.failures.delete(`acct:${email.toLowerCase()}`);
  }
}
