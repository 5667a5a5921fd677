// The guard's only public surface. A pure library: no I/O, no config, no environment.
export { createGuard, DEFAULT_CACHE_SIZE } from './validate.js';
export { parsePolicy } from './policy.js';
export { VIOLATION_CODES } from './codes.js';
export { DEFAULT_MAX_SQL_BYTES } from './text.js';
export { BUILTIN_FUNCTIONS } from './functions.js';
export { RISK_WEIGHTS } from './risk.js';
export type {
  Guard,
  GuardOptions,
  OutputColumn,
  Policy,
  PolicyResult,
  TablePolicy,
  Verdict,
  Violation,
  ViolationCode,
} from './types.js';
