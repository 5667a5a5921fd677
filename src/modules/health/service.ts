import type { Db } from '../../platform/db/index.js';
import type { JobQueue } from '../../platform/queue/index.js';
import type { RedisManager } from '../../platform/redis.js';
import type { BreakerRegistry } from '../../platform/resilience.js';
import { type Check, overallStatus, runCheck } from './checks.js';
import type { Component, HealthReport } from './schemas.js';

export interface HealthDeps {
  db: Db;
  redis: RedisManager | undefined;
  queue: JobQueue;
  breakers: BreakerRegistry;
  killSwitchOn: () => boolean;
  version: string;
  environment: string;
  startedAt: number;
}

export interface HealthService {
  report(): Promise<HealthReport>;
  live(): { status: 'alive'; uptime_seconds: number };
  ready(): Promise<{ ready: boolean; reason?: string }>;
  database(): Promise<Component & { kind: string; connection_pool: ReturnType<Db['poolStats']> }>;
  redis(): Promise<Component & { memory_used_mb?: number; connected_clients?: number }>;
  /** Later capabilities add their components (datasets, llm, storage). */
  addCheck(name: string, check: Check): void;
}

function infoField(info: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:(\\d+)`, 'm').exec(info);
  return match ? Number(match[1]) : undefined;
}

export function createHealthService(deps: HealthDeps): HealthService {
  const uptime = () => Math.round((Date.now() - deps.startedAt) / 100) / 10;
  const checks = new Map<string, Check>();
  checks.set('database', async () => {
    await deps.db.query('SELECT 1');
    return { message: `${deps.db.kind} connected` };
  });
  checks.set('redis', async () => {
    if (!deps.redis) return { message: 'not configured; in-process memory stands in', configured: false };
    await deps.redis.ping();
    return { message: 'connected' };
  });
  checks.set('queue', async () => {
    const s = await deps.queue.stats();
    return { message: `${deps.queue.kind}: ${s.waiting} waiting, ${s.active} active, ${s.delayed} delayed, ${s.failed} failed` };
  });
  checks.set('breakers', async () => {
    const open = deps.breakers.all().filter((b) => b.state() !== 'closed').map((b) => `${b.name} ${b.state()}`);
    return open.length === 0 ? { message: 'all closed' } : { message: open.join(', '), status: 'degraded' };
  });

  return {
    async report() {
      const components = await Promise.all([...checks].map(([name, check]) => runCheck(name, check)));
      return {
        status: overallStatus(components),
        service: 'aureus',
        version: deps.version,
        environment: deps.environment,
        uptime_seconds: uptime(),
        components,
        breakers: deps.breakers.all().map((b) => b.stats()),
      };
    },
    live: () => ({ status: 'alive', uptime_seconds: uptime() }),
    async ready() {
      if (deps.killSwitchOn()) return { ready: false, reason: 'kill switch is on' };
      const db = await runCheck('database', checks.get('database') as Check);
      if (db.status === 'unhealthy') return { ready: false, reason: `metadata store: ${db.message}` };
      return { ready: true };
    },
    async database() {
      const component = await runCheck('database', checks.get('database') as Check);
      return { ...component, kind: deps.db.kind, connection_pool: deps.db.poolStats() };
    },
    async redis() {
      const component = await runCheck('redis', checks.get('redis') as Check);
      if (component.status === 'unhealthy' || !deps.redis) return component;
      const info = await deps.redis.client.info().catch(() => '');
      const used = infoField(info, 'used_memory');
      const clients = infoField(info, 'connected_clients');
      return {
        ...component,
        ...(used !== undefined ? { memory_used_mb: Math.round(used / 1024 / 10.24) / 100 } : {}),
        ...(clients !== undefined ? { connected_clients: clients } : {}),
      };
    },
    addCheck(name, check) {
      checks.set(name, check);
    },
  };
}
