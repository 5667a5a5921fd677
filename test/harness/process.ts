import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
// Always the source tree (a stale dist/ from `npm run build` must not answer for it).
const RUN_TS = resolve(ROOT, 'bin/run-ts.js');
const MAIN = resolve(ROOT, 'src/main.ts');

/** Environment for a child process: only what the test gives, plus PATH (no leaking of the runner's env). */
export function childEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...vars };
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `aureus …` (or a node script) to completion. */
export async function runAureus(args: string[], vars: Record<string, string>, input?: string): Promise<RunResult> {
  return runNode([RUN_TS, MAIN, ...args], vars, input);
}

export async function runNode(args: string[], vars: Record<string, string>, input?: string): Promise<RunResult> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: childEnv(vars), stdio: ['pipe', 'pipe', 'pipe'] });
  // Decoded as a stream: a chunk boundary inside a multi-byte character must not become U+FFFD.
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: string) => (stdout += d));
  child.stderr.on('data', (d: string) => (stderr += d));
  child.stdin.end(input ?? '');
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  return { code, signal, stdout, stderr };
}

/** Starts a long-running child and resolves once a line matching `ready` appears on stdout. */
export async function startChild(args: string[], vars: Record<string, string>, ready: RegExp, timeoutMs = 30_000) {
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, env: childEnv(vars), stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => (output.stdout += d));
  child.stderr?.on('data', (d: string) => (output.stderr += d));
  await new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`child not ready in ${timeoutMs} ms:\n${output.stdout}\n${output.stderr}`)), timeoutMs);
    const check = () => {
      if (ready.test(output.stdout)) {
        clearTimeout(timer);
        resolveReady();
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited (${code}) before ready:\n${output.stdout}\n${output.stderr}`));
    });
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return { child, output, exited };
}
