import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One registry per app (never the global one, so two apps in one test process don't collide).
 * Label values are bounded: routes are patterns (`/v1/query/:id`), never raw paths or ids.
 */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status_code'>;
  httpDuration: Histogram<'method' | 'route'>;
  httpErrors: Counter<'route' | 'code'>;
  /** A counter registered on this app's registry. */
  counter<L extends string>(name: string, help: string, labelNames: L[]): Counter<L>;
  /** Registers a gauge whose value is read when /metrics is scraped. */
  gauge(name: string, help: string, labelNames: string[], collect: (set: (labels: Record<string, string>, value: number) => void) => void | Promise<void>): void;
}

export function createMetrics(options: { defaultMetrics: boolean }): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'aureus_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'aureus_http_requests_total',
      help: 'HTTP requests by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status_code'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'aureus_http_request_duration_seconds',
      help: 'HTTP request latency by route pattern.',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    httpErrors: new Counter({
      name: 'aureus_http_errors_total',
      help: 'Error answers by route pattern and error code.',
      labelNames: ['route', 'code'],
      registers: [registry],
    }),
    counter(name, help, labelNames) {
      return new Counter({ name, help, labelNames, registers: [registry] });
    },
    gauge(name, help, labelNames, collect) {
      new Gauge({
        name,
        help,
        labelNames,
        registers: [registry],
        async collect() {
          this.reset();
          await collect((labels, value) => this.set(labels, value));
        },
      });
    },
  };
}
