import type { App } from '../../http/server.js';
import type { Metrics } from '../../platform/metrics.js';
import { healthRoutes } from './routes.js';
import { type HealthDeps, createHealthService } from './service.js';

export type { HealthService } from './service.js';
export type { HealthReport, Component } from './schemas.js';
export type { CheckResult } from './checks.js';

export function createHealthModule(deps: HealthDeps & { metrics: Metrics; metricsToken: string | undefined }) {
  const service = createHealthService(deps);
  return { service, routes: (app: App) => healthRoutes(app, service, deps.metrics, deps.metricsToken) };
}
