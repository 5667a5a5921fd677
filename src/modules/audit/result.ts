/**
 * Results of the audit crypto core. Anything that checks outside data (proofs, checkpoints, keys
 * from config) returns one of these instead of throwing, so an auditor's tool and the service can
 * report *why* a check failed without try/catch around every call.
 */
export type Verdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export const PASS: Verdict = Object.freeze({ ok: true });

export function fail(reason: string): { readonly ok: false; readonly reason: string } {
  return { ok: false, reason };
}

export function success<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}
