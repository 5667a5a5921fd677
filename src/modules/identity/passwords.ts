import { type Algorithm, hash, verify } from '@node-rs/argon2';
import { AppError } from '../../platform/errors.js';

/** OWASP Password Storage Cheat Sheet: argon2id, 19 MiB, 2 iterations, 1 lane. */
// Algorithm is a const enum (Argon2d 0, Argon2i 1, Argon2id 2), unusable as a value under isolated modules.
export const ARGON2_OPTIONS = { algorithm: 2 as Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 128;

let common: Set<string> | undefined;

/** zxcvbn-ts's list of the ~50,000 most common passwords, loaded once on first use. */
async function commonPasswords(): Promise<Set<string>> {
  if (!common) {
    const { dictionary } = await import('@zxcvbn-ts/language-common');
    common = new Set((dictionary['passwords-common'] as string[]).filter((p) => p.length >= MIN_PASSWORD_LENGTH));
  }
  return common;
}

/** NIST 800-63B: length 8–128, no composition rules, common passwords refused. */
export async function checkPasswordPolicy(password: string, field = 'password'): Promise<void> {
  const length = [...password].length;
  const problem =
    length < MIN_PASSWORD_LENGTH ? `must be at least ${MIN_PASSWORD_LENGTH} characters`
    : length > MAX_PASSWORD_LENGTH ? `must be at most ${MAX_PASSWORD_LENGTH} characters`
    : (await commonPasswords()).has(password.toLowerCase()) ? 'is one of the most common passwords; choose another'
    : undefined;
  if (problem) {
    throw new AppError('VALIDATION_ERROR', `The password ${problem}.`, { details: { fields: [{ path: `body/${field}`, message: problem }] } });
  }
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/**
 * A hash of a random string, verified against when the email is unknown, so a login takes the
 * same time whether or not the account exists.
 */
export function createDummyHash(): Promise<string> {
  return hashPassword(`unknown-account-${Math.random()}`);
}
