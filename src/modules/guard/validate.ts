// The guard: bounds → policy → cache → parse → analysis → verdict. Synchronous after the one-time
// parser load, and total: any unexpected failure becomes a refusal, never an exception.
import { hash } from 'node:crypto';
import { Lru } from './cache.js';
import { Analysis } from './context.js';
import { fingerprintText, fingerprintTree } from './fingerprint.js';
import { loadParser, parse } from './parser.js';
import { compilePolicy, type CompiledPolicy } from './policy.js';
import { analyzeStatement } from './statement.js';
import { checkInput, DEFAULT_MAX_SQL_BYTES, Offsets, skipSpace, statementText, wrapWithLimit } from './text.js';
import type { Guard, GuardOptions, Policy, Verdict, Violation } from './types.js';
import { accepted, deepFreeze, details, refused, violationsOf } from './verdict.js';

export const DEFAULT_CACHE_SIZE = 1000;

type Compiled = ReturnType<typeof compilePolicy>;
const MAX_MESSAGE = 200;

function resolveOptions(options: GuardOptions): Readonly<Required<GuardOptions>> {
  const maxSqlBytes = options.maxSqlBytes ?? DEFAULT_MAX_SQL_BYTES;
  const cacheSize = options.cacheSize ?? DEFAULT_CACHE_SIZE;
  if (!Number.isSafeInteger(maxSqlBytes) || maxSqlBytes < 1) throw new RangeError('maxSqlBytes must be a positive integer');
  if (!Number.isSafeInteger(cacheSize) || cacheSize < 0) throw new RangeError('cacheSize must be a non-negative integer');
  return Object.freeze({ maxSqlBytes, cacheSize });
}

function one(code: Violation['code'], message: string, location?: number): Violation[] {
  return [location === undefined ? { code, message } : { code, message, location }];
}

function analyzeSql(sql: string, policy: CompiledPolicy): Verdict {
  if (sql.trim() === '') return refused(one('EMPTY_STATEMENT', 'no statement to run'), fingerprintText(sql));
  const offsets = new Offsets(sql);
  const parsed = parse(sql);
  if (!parsed.ok) {
    const message = (parsed.message.startsWith('syntax error') ? parsed.message : `syntax error: ${parsed.message}`).slice(0, MAX_MESSAGE);
    const location = parsed.cursor === undefined ? undefined : offsets.fromCodePoint(parsed.cursor);
    return refused(one('SYNTAX_ERROR', message, location), fingerprintText(sql));
  }
  const [first, second] = parsed.statements;
  if (first === undefined) return refused(one('EMPTY_STATEMENT', 'no statement to run'), fingerprintText(sql));
  if (second !== undefined) {
    const message = `${parsed.statements.length} statements; exactly one is allowed`;
    return refused(one('MULTIPLE_STATEMENTS', message, skipSpace(sql, offsets.fromByte(second.location))), fingerprintText(sql));
  }
  const a = new Analysis(policy);
  const st = analyzeStatement(a, first.stmt, first.location);
  // The tree serialiser recurses; a tree the walker found too deep is fingerprinted as text.
  const tooDeep = a.violations.some((v) => v.code === 'NESTING_TOO_DEEP');
  const fingerprint = tooDeep ? fingerprintText(sql) : fingerprintTree(first.stmt);
  if (a.violations.length > 0) return refused(violationsOf(a, offsets), fingerprint, details(a, st.outputs));
  const statement = statementText(sql, offsets, first.location, first.length);
  const sanitizedSql = wrapWithLimit(statement, st.explain ? undefined : policy.maxRows);
  return accepted(a, { outputs: st.outputs, sanitizedSql, limited: st.limited, fingerprint });
}

/** Loads the parser (once per process) and returns a guard with a synchronous validate(). */
export async function createGuard(options: GuardOptions = {}): Promise<Guard> {
  const resolved = resolveOptions(options);
  await loadParser();
  const cache = new Lru<Verdict>(resolved.cacheSize);
  // Policies are compiled once per object; callers treat a policy object as immutable.
  const compiled = new WeakMap<Policy, Compiled>();

  function compile(policy: Policy): Compiled {
    let entry = compiled.get(policy);
    if (entry === undefined) {
      entry = compilePolicy(policy);
      compiled.set(policy, entry);
    }
    return entry;
  }

  function validate(sql: string, policy: Policy): Verdict {
    try {
      const problem = checkInput(sql, resolved.maxSqlBytes);
      if (problem !== undefined) return refused(one(problem.code, problem.message), '');
      const p = typeof policy === 'object' && policy !== null ? compile(policy) : compilePolicy(policy);
      if (!p.ok) return refused(p.violations, fingerprintText(sql));
      if (resolved.cacheSize === 0) return analyzeSql(sql, p.value);
      const key = `${p.value.key}\n${hash('sha256', sql)}`;
      const hit = cache.get(key);
      if (hit !== undefined) return hit;
      // Frozen because every later caller with the same SQL receives this very object.
      const verdict = deepFreeze(analyzeSql(sql, p.value));
      cache.set(key, verdict);
      return verdict;
    } catch {
      return refused(one('INTERNAL_ERROR', 'the guard could not analyse this statement'), '');
    }
  }

  return Object.freeze({ validate, options: resolved });
}
