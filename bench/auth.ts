// Issue 3: throughput of an API-key route and a JWT route against the same route unauthenticated,
// in one run (server in a child process, load from here), and the cost of one argon2id hash.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { hashPassword } from '../src/modules/identity/passwords.js';
import { best, load, row } from './lib.js';

const child = spawn(process.execPath, [resolve('bin/run-ts.js'), 'bench/servers/aureus-auth.ts'], { stdio: ['ignore', 'ignore', 'pipe'] });
let err = '';
const { url, jwt, key } = await new Promise<{ url: string; jwt: string; key: string }>((res, rej) => {
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    const u = /LISTENING (\S+)/.exec(err);
    const c = /CREDENTIALS (\{.*\})/.exec(err);
    if (u && c) res({ url: u[1] as string, ...(JSON.parse(c[1] as string) as { jwt: string; key: string }) });
  });
  child.once('exit', (code) => rej(new Error(`server exited ${code}: ${err}`)));
});
try {
  const routes = [
    ['unauthenticated', '/bench/open', {}],
    ['JWT (HS256, revocation check)', '/bench/jwt', { authorization: `Bearer ${jwt}` }],
    ['API key (checksum, cached lookup)', '/bench/key', { 'x-api-key': key }],
  ] as const;
  for (const [, path, headers] of routes) await load(`${url}${path}`, { durationS: 1, headers });
  const figures = new Map<string, Awaited<ReturnType<typeof load>>[]>();
  for (let round = 0; round < 2; round++) {
    for (const [name, path, headers] of routes) figures.set(name, [...(figures.get(name) ?? []), await load(`${url}${path}`, { headers })]);
  }
  const base = best(figures.get('unauthenticated') ?? []);
  for (const [name] of routes) console.log(row(name, best(figures.get(name) ?? []), name === 'unauthenticated' ? undefined : base));
} finally {
  child.kill('SIGTERM');
}

const times: number[] = [];
for (let i = 0; i < 10; i++) {
  const started = performance.now();
  await hashPassword(`bench-password-${i}`);
  times.push(performance.now() - started);
}
times.sort((a, b) => a - b);
console.log(`argon2id hash (m=19 MiB, t=2, p=1): median ${times[5]?.toFixed(1)} ms, max ${times[9]?.toFixed(1)} ms`);
