// Baseline: a bare Fastify with the same two routes, no hooks, no plugins.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/health/live', async () => ({ status: 'alive', uptime_seconds: process.uptime() }));
app.get('/bench/ping', async () => ({ pong: true }));
const url = await app.listen({ host: '127.0.0.1', port: 0 });
console.error(`LISTENING ${url}`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
