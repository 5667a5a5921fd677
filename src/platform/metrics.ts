import { Counter, Gauge, type Metric, Registry, collectDefaultMetrics } from 'prom-client';
import { type CheapCounter, type CheapHistogram, createCheapCounter, createCheapHistogram } from './metrics-cheap.js';

export type { CheapCounter, CheapHistogram } from './metrics-cheap.js';

/**
 * One registry per app (never the global one, so two apps in one test process don't collide).
 * Label values are bounded: routes are patterns (`/v1/query/:id`), never raw paths or ids.
 * Counters and the latency histogram are recorded on the request path, so they are the cheap
 * kind (metrics-cheap.ts); prom-client renders everything at scrape time.
 */
export interface Metrics {
  registry: Registry;
  httpRequests: CheapCounter<'method' | 'route' | 'status_code'>;
  httpDuration: CheapHistogram<'method' | 'route'>;
  httpErrors: CheapCounter<'route' | 'code'>;
  /** A counter registered on this app's registry. */
  counter<L extends string>(name: string, help: string, labelNames: L[]): CheapCounter<L>;
  /** Registers a gauge whose value is read when /metrics is scraped. */
  gauge(name: string, help: string, labelNames: string[], collect: (set: (labels: Record<string, string>, value: number) => void) => void | Promise<void>): void;
}

export function createMetrics(options: { defaultMetrics: boolean }): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'aureus_' });
  const counter = <L extends string>(name: string, help: string, labelNames: L[]): CheapCounter<L> => {
    const { recorder, collect } = createCheapCounter<L>(labelNames);
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        collect((labels, value) => this.inc(labels as Partial<Record<L, string>>, value));
      },
    });
    return recorder;
  };
  const httpDuration = createCheapHistogram<'method' | 'route'>({
    name: 'aureus_http_request_duration_seconds',
    help: 'HTTP request latency by route pattern.',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  // Registry reads name, help, type, aggregator and get()/getForPromString(); the cast is only
  // because prom-client types `registerMetric` as its own four classes.
  registry.registerMetric(httpDuration.metric as unknown as Metric);
  return {
    registry,
    httpRequests: counter('aureus_http_requests_total', 'HTTP requests by method, route pattern and status code.', ['method', 'route', 'status_code']),
    httpDuration: httpDuration.recorder,
    httpErrors: counter('aureus_http_errors_total', 'Error answers by route pattern and error code.', ['route', 'code']),
    counter,
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
