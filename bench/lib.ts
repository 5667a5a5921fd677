import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import autocannon from 'autocannon';

export interface Figure {
  rps: number;
  p50: number;
  p99: number;
}

/** Drives `url` with autocannon from this process (the server runs in another). */
export async function load(url: string, options: { durationS?: number; connections?: number; method?: 'GET' | 'POST'; body?: string; headers?: Record<string, string> } = {}): Promise<Figure> {
  const result = await autocannon({
    url,
    duration: options.durationS ?? 5,
    connections: options.connections ?? 32,
    method: options.method ?? 'GET',
    ...(options.body ? { body: options.body } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

/** Starts a bench server script in a child process; resolves with its base URL (it prints `LISTENING <url>` on stderr). */
export async function startServer(script: string, env: Record<string, string> = {}) {
  // The server's stdout (its logs) goes to /dev/null: reading a pipe here would steal CPU from it.
  const child = spawn(process.execPath, [resolve('bin/run-ts.js'), script], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let out = '';
  const url = await new Promise<string>((res, rej) => {
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /LISTENING (\S+)/.exec(out);
      if (match) res(match[1] as string);
    });
    child.once('exit', (code) => rej(new Error(`${script} exited ${code}`)));
  });
  child.stderr.pipe(process.stderr);
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

export function row(name: string, f: Figure, baseline?: Figure): string {
  const ratio = baseline ? `${((f.rps / baseline.rps) * 100).toFixed(0)}% of baseline` : 'baseline';
  return `${name.padEnd(44)} ${f.rps.toFixed(0).padStart(8)} req/s   p50 ${String(f.p50).padStart(4)} ms   p99 ${String(f.p99).padStart(4)} ms   ${ratio}`;
}

/** Interleaves rounds so drift on a noisy machine hits both sides; keeps each side's best round. */
export function best(figures: Figure[]): Figure {
  return figures.reduce((a, b) => (b.rps > a.rps ? b : a));
}
