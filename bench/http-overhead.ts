// Issue 2 budget: the full middleware stack keeps >= 70% of a bare Fastify route's throughput.
// Servers run in a child process each; this process only generates load. Rounds alternate.
import { best, load, row, startServer } from './lib.js';

const ROUNDS = 2;
const routes = ['/health/live', '/bench/ping'];
const bare = await startServer('bench/servers/bare.ts');
const aureus = await startServer('bench/servers/aureus-http.ts', { LOG_FORMAT: 'json' });
try {
  for (const route of routes) {
    const base = [];
    const full = [];
    await load(`${bare.url}${route}`, { durationS: 1 });
    await load(`${aureus.url}${route}`, { durationS: 1 });
    for (let i = 0; i < ROUNDS; i++) {
      base.push(await load(`${bare.url}${route}`));
      full.push(await load(`${aureus.url}${route}`));
    }
    const b = best(base);
    const f = best(full);
    console.log(row(`bare Fastify ${route}`, b));
    console.log(row(`Aureus ${route}`, f, b));
    console.log(`  budget >= 70%: ${f.rps / b.rps >= 0.7 ? 'met' : 'NOT met'}`);
  }
} finally {
  await bare.stop();
  await aureus.stop();
}
