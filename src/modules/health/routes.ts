import { timingSafeEqual } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { App } from '../../http/server.js';
import { AppError } from '../../platform/errors.js';
import type { Metrics } from '../../platform/metrics.js';
import { DatabaseHealth, HealthReport, Live, Ready, RedisHealth } from './schemas.js';
import type { HealthService } from './service.js';

const ops = { auth: 'public', ops: true, rateLimit: false } as const;
const tags = ['operations'];

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Probes and metrics: unauthenticated (metrics behind METRICS_TOKEN when set), never limited. */
export function healthRoutes(app: App, service: HealthService, metrics: Metrics, metricsToken: string | undefined): void {
  app.get('/health', { config: ops, schema: { tags, summary: 'Full health report', response: { 200: HealthReport, 503: HealthReport } } }, async (_req, reply) => {
    const report = await service.report();
    return reply.status(report.status === 'unhealthy' ? 503 : 200).send(report);
  });
  app.get('/health/live', { config: ops, schema: { tags, summary: 'Liveness probe', response: { 200: Live } } }, async () => service.live());
  app.get('/health/ready', { config: ops, schema: { tags, summary: 'Readiness probe', response: { 200: Ready, 503: Ready } } }, async (_req, reply) => {
    const ready = await service.ready();
    if (ready.ready) return { status: 'ready' as const };
    return reply.status(503).header('retry-after', '5').send({ status: 'not_ready' as const, reason: ready.reason });
  });
  app.get('/health/database', { config: ops, schema: { tags, summary: 'Metadata store health', response: { 200: DatabaseHealth, 503: DatabaseHealth } } }, async (_req, reply) => {
    const db = await service.database();
    return reply.status(db.status === 'unhealthy' ? 503 : 200).send(db);
  });
  app.get('/health/redis', { config: ops, schema: { tags, summary: 'Redis health', response: { 200: RedisHealth, 503: RedisHealth } } }, async (_req, reply) => {
    const redis = await service.redis();
    return reply.status(redis.status === 'unhealthy' ? 503 : 200).send(redis);
  });
  app.get(
    '/metrics',
    { config: ops, schema: { tags, summary: 'Prometheus metrics', security: metricsToken ? [{ metricsToken: [] }] : [], response: { 200: Type.String() } } },
    async (request, reply) => {
      if (metricsToken && !tokenMatches(request.headers.authorization, metricsToken)) {
        throw new AppError('AUTHENTICATION_FAILED', 'A valid metrics token is required.');
      }
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    },
  );
}
