// Issue 5: the cost of the shared rate limiter on a bare Fastify route, next to the same route
// without a limiter and behind @fastify/rate-limit's Redis store, and Redis round trips per check
// as counted in the server process. Limits are far above the load: nothing may be refused.
// Servers run in child processes; this process only generates load. Rounds alternate.
import { Redis } from 'ioredis';
import { type Figure, best, load, row, startServer } from './lib.js';

const ROUNDS = 2;
const env = { REDIS_URL: process.env.REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', BENCH_PREFIX: `aureus-bench:${process.pid}:` };
const sides = [
  { name: 'bare Fastify /bench/ping', script: 'bench/servers/bare.ts', env: {} },
  { name: 'Aureus limiter (Redis, 1 window)', script: 'bench/servers/ratelimit-aureus.ts', env: { ...env, BENCH_WINDOWS: '1' } },
  { name: 'Aureus limiter (Redis, 3 windows)', script: 'bench/servers/ratelimit-aureus.ts', env: { ...env, BENCH_WINDOWS: '3' } },
  { name: '@fastify/rate-limit (Redis, 1 window)', script: 'bench/servers/ratelimit-fastify.ts', env },
];
const servers = await Promise.all(sides.map((s) => startServer(s.script, s.env)));
type Stats = { state: string; allowed: number; limited: number; redisErrors: number; commands: number };
const stats = async (i: number) => (await (await fetch(`${servers[i]?.url}/bench/stats`)).json()) as Stats;
try {
  const figures: Figure[][] = sides.map(() => []);
  for (const s of servers) await load(`${s.url}/bench/ping`, { durationS: 1 });
  const before = [await stats(1), await stats(2)];
  for (let r = 0; r < ROUNDS; r++) for (const [i, s] of servers.entries()) figures[i]?.push(await load(`${s.url}/bench/ping`));
  const base = best(figures[0] ?? []);
  sides.forEach((s, i) => console.log(row(s.name, best(figures[i] ?? []), i === 0 ? undefined : base)));
  for (const i of [1, 2]) {
    const [b, a] = [before[i - 1] as Stats, await stats(i)];
    const checks = a.allowed - b.allowed;
    console.log(`  ${sides[i]?.name}: ${checks} checks, ${a.commands - b.commands} Redis commands → ${((a.commands - b.commands) / checks).toFixed(3)} round trips per check; state ${a.state}, limited ${a.limited}, Redis errors ${a.redisErrors}`);
    if (a.state !== 'redis' || a.redisErrors > 0 || a.limited > 0) throw new Error('the limiter left Redis or refused requests during the bench: figures are not comparable');
  }
} finally {
  await Promise.all(servers.map((s) => s.stop()));
  const redis = new Redis(env.REDIS_URL);
  const keys = await redis.keys(`${env.BENCH_PREFIX}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}
