// The same route behind @fastify/rate-limit with its Redis store (one fixed window: it has no
// multi-window or sliding mode), for comparison.
import rateLimit from '@fastify/rate-limit';
import Fastify from 'fastify';
import { Redis } from 'ioredis';

const redis = new Redis(process.env.REDIS_URL as string, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 250 });
await new Promise((resolve) => redis.once('ready', resolve));
const app = Fastify({ logger: false });
await app.register(rateLimit, { max: 1_000_000_000, timeWindow: 60_000, redis, nameSpace: `${process.env.BENCH_PREFIX}fastify-rl:` });
app.get('/bench/ping', async () => ({ pong: true }));
const url = await app.listen({ host: '127.0.0.1', port: 0 });
console.error(`LISTENING ${url}`);
process.on('SIGTERM', () => void app.close().then(() => redis.quit()).then(() => process.exit(0)));
