// A bare Fastify route behind the Aureus rate limiter (Redis store, failover wrapper, headers) in
// an onRequest hook, with BENCH_WINDOWS windows (3, as the tiers have, by default). /bench/stats reports the limiter's
// counters and the Redis commands this process sent, so the bench can divide them.
import Fastify from 'fastify';
import pino from 'pino';
import { createRateLimiter } from '../../src/modules/traffic/failover.js';
import { rateLimitHeaders } from '../../src/modules/traffic/headers.js';
import { createRedisStore } from '../../src/modules/traffic/redis-store.js';
import { parsePolicies } from '../../src/modules/traffic/schemas.js';
import { createRedisManager, waitForRedis } from '../../src/platform/redis.js';

const windows = [
  { name: 'minute', limit: 1_000_000_000, windowMs: 60_000 },
  { name: 'hour', limit: 1_000_000_000, windowMs: 3_600_000 },
  { name: 'day', limit: 1_000_000_000, windowMs: 86_400_000 },
];
const parsed = parsePolicies(windows.slice(0, Number(process.env.BENCH_WINDOWS ?? 3)));
if (!parsed.ok) throw new Error(parsed.violations.join('; '));
const policies = parsed.value;

const redis = createRedisManager({ url: process.env.REDIS_URL as string, keyPrefix: process.env.BENCH_PREFIX as string, commandTimeoutMs: 250, logger: pino({ level: 'silent' }) });
await waitForRedis(redis, 5_000);
let commands = 0;
const send = redis.client.sendCommand.bind(redis.client);
redis.client.sendCommand = (...args: Parameters<typeof send>) => (commands++, send(...args));
// `closed` with a generous deadline: the bench measures the Redis path, so a check must neither
// fall back to memory nor be refused because a loaded bench machine delayed Redis past 50 ms.
const limiter = createRateLimiter({ redis: createRedisStore(redis), mode: 'closed', timeoutMs: 1_000 });

const app = Fastify({ logger: false });
app.addHook('onRequest', async (request, reply) => {
  if (request.url === '/bench/stats') return;
  const result = await limiter.check(request.ip, policies);
  reply.headers(rateLimitHeaders(result, policies));
  if (!result.allowed) return reply.code(result.unavailable ? 503 : 429).send({ error: 'limited' });
});
app.get('/bench/ping', async () => ({ pong: true }));
app.get('/bench/stats', async () => ({ ...limiter.stats(), commands }));
const url = await app.listen({ host: '127.0.0.1', port: 0 });
console.error(`LISTENING ${url}`);
process.on('SIGTERM', () => void app.close().then(() => redis.close()).then(() => process.exit(0)));
