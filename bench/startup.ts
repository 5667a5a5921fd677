// Issue 6: `aureus start` on embedded defaults — time to ready (HTTP listening) on a fresh data
// dir and on a later start, time until the demo dataset answers, and RSS at idle (metadata PGlite
// + the demo's PGlite in its worker thread). Budgets: fresh ≤ 20 s, later ≤ 8 s, RSS ≤ 1 GB.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const IDLE_SETTLE_MS = 3000;
const dataDir = mkdtempSync(join(tmpdir(), 'aureus-startup-'));

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:')) ?? 'VmRSS: 0 kB';
  return Number(/(\d+)/.exec(line)?.[1]) / 1024;
}

async function start(label: string) {
  const started = performance.now();
  const child = spawn(process.execPath, [resolve('bin/aureus.js'), 'start'], {
    env: { ...process.env, ENVIRONMENT: 'development', DATA_DIR: dataDir, PORT: '0', ADMIN_PASSWORD: 'startup-bench-password-1', LOG_LEVEL: 'info', LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const seen = new Map<string, number>();
  let out = '';
  const waitFor = (msg: string) =>
    new Promise<number>((res, rej) => {
      const check = () => {
        if (!seen.has(msg) && out.includes(`"msg":"${msg}"`)) seen.set(msg, performance.now() - started);
        if (seen.has(msg)) res(seen.get(msg) as number);
      };
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        check();
      });
      child.once('exit', (code) => rej(new Error(`${label}: exited ${code}\n${out}`)));
      check();
    });
  const ready = await waitFor('process.ready');
  const demo = await waitFor('demo.ready');
  await new Promise((r) => setTimeout(r, IDLE_SETTLE_MS));
  const rss = rssMb(child.pid as number);
  console.log(`${label.padEnd(12)} ready ${(ready / 1000).toFixed(1).padStart(5)} s   demo answering ${(demo / 1000).toFixed(1).padStart(5)} s   RSS at idle ${rss.toFixed(0).padStart(5)} MB`);
  child.kill('SIGTERM');
  await once(child, 'exit');
  return { ready, demo, rss };
}

try {
  const fresh = await start('fresh start');
  const later = await start('later start');
  console.log(`  budgets: fresh ≤ 20 s ${fresh.ready <= 20_000 ? 'met' : 'NOT met'}, later ≤ 8 s ${later.ready <= 8_000 ? 'met' : 'NOT met'}, RSS ≤ 1024 MB ${Math.max(fresh.rss, later.rss) <= 1024 ? 'met' : 'NOT met'}`);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
