import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import autocannon from 'autocannon';

export interface Figure {
  rps: number;
  p50: number;
  p99: number;
  /** Answered in the run. */
  requests: number;
  /** CPU time per request, in µs, of the server process and of all PostgreSQL processes (Linux). */
  cpu?: { server: number; postgres: number };
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
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, requests: result.requests.total };
}

// CPU accounting from /proc: user + system time of a process (all its threads), in clock ticks.
// Zero (no CPU figures) without /proc or getconf.
const TICK_US = (() => {
  try {
    return existsSync('/proc/self/stat') ? 1e6 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) : 0;
  } catch {
    return 0;
  }
})();

function ticks(pid: string): { comm: string; ticks: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined; // gone meanwhile
  }
}

/** Ticks of every running postgres process, by pid. */
function postgresTicks(): Map<string, number> {
  const all = new Map<string, number>();
  for (const pid of readdirSync('/proc')) if (/^\d+$/.test(pid)) {
    const t = ticks(pid);
    if (t?.comm.startsWith('postgres')) all.set(pid, t.ticks);
  }
  return all;
}

/** What the processes spent between two snapshots (one that ended meanwhile is not counted). */
function spent(before: Map<string, number>, after: Map<string, number>): number {
  let sum = 0;
  for (const [pid, t] of after) sum += t - (before.get(pid) ?? 0);
  return sum;
}

/**
 * `load`, also measuring the CPU the server process and PostgreSQL (every postgres process on this
 * machine: run it alone; a backend that exits during the run is left out) spend per request.
 * Without /proc the figure comes back without `cpu`.
 */
export async function loadWithCpu(serverPid: number, url: string, options: Parameters<typeof load>[1] = {}): Promise<Figure> {
  if (TICK_US === 0) return load(url, options);
  const before = { server: ticks(String(serverPid))?.ticks ?? 0, postgres: postgresTicks() };
  const figure = await load(url, options);
  const after = { server: ticks(String(serverPid))?.ticks ?? 0, postgres: postgresTicks() };
  const per = (d: number) => (d * TICK_US) / figure.requests;
  return { ...figure, cpu: { server: per(after.server - before.server), postgres: per(spent(before.postgres, after.postgres)) } };
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
    pid: child.pid as number,
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

export function row(name: string, f: Figure, baseline?: Figure): string {
  const ratio = baseline ? `${((f.rps / baseline.rps) * 100).toFixed(0)}% of baseline` : 'baseline';
  const cpu = f.cpu ? `   CPU/request: server ${f.cpu.server.toFixed(0)} µs, PostgreSQL ${f.cpu.postgres.toFixed(0)} µs` : '';
  return `${name.padEnd(44)} ${f.rps.toFixed(0).padStart(8)} req/s   p50 ${String(f.p50).padStart(4)} ms   p99 ${String(f.p99).padStart(4)} ms   ${ratio}${cpu}`;
}

/** Interleaves rounds so drift on a noisy machine hits both sides; keeps each side's best round. */
export function best(figures: Figure[]): Figure {
  return figures.reduce((a, b) => (b.rps > a.rps ? b : a));
}
