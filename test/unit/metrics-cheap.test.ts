// The cheap counters and histogram must expose exactly what prom-client's own would, for the same
// observations: text exposition and JSON, through a Registry.
import fc from 'fast-check';
import { Counter, Histogram, type Metric, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createCheapCounter, createCheapHistogram } from '../../src/platform/metrics-cheap.js';

const BUCKETS = [0.001, 0.01, 0.1, 1, 10];
const methods = ['GET', 'POST'];
const routes = ['/a', '/b/:id', 'unmatched', 'odd "route"\\'];
const observation = fc.record({ method: fc.constantFrom(...methods), route: fc.constantFrom(...routes), value: fc.double({ min: 0, max: 30, noNaN: true }) });

function pair() {
  const theirs = new Registry();
  const ours = new Registry();
  const reference = new Histogram({ name: 'x_seconds', help: 'Latency.', labelNames: ['method', 'route'], buckets: BUCKETS, registers: [theirs] });
  const cheap = createCheapHistogram<'method' | 'route'>({ name: 'x_seconds', help: 'Latency.', labelNames: ['method', 'route'], buckets: BUCKETS });
  ours.registerMetric(cheap.metric as unknown as Metric);
  const refCounter = new Counter({ name: 'x_total', help: 'Requests.', labelNames: ['method', 'route'], registers: [theirs] });
  const cheapCounter = createCheapCounter<'method' | 'route'>(['method', 'route']);
  new Counter({ name: 'x_total', help: 'Requests.', labelNames: ['method', 'route'], registers: [ours], collect() { cheapCounter.collect((labels, v) => this.inc(labels, v)); } });
  return {
    theirs,
    ours,
    record(labels: { method: string; route: string }, value: number) {
      reference.observe(labels, value);
      cheap.recorder.observe(labels, value);
      refCounter.inc(labels, value);
      cheapCounter.recorder.inc(labels, value);
    },
    reset() {
      reference.reset();
      cheap.metric.reset();
    },
  };
}

describe('cheap metrics', () => {
  it('expose the same text and JSON as prom-client for any observations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(observation, { maxLength: 40 }), fc.array(observation, { maxLength: 10 }), async (first, second) => {
        const p = pair();
        for (const o of first) p.record({ method: o.method, route: o.route }, o.value);
        expect(await p.ours.metrics()).toBe(await p.theirs.metrics());
        // A second scrape after more observations: counters fold in only what is new.
        for (const o of second) p.record({ method: o.method, route: o.route }, o.value);
        expect(await p.ours.metrics()).toBe(await p.theirs.metrics());
        expect(await p.ours.getMetricsAsJSON()).toEqual(await p.theirs.getMetricsAsJSON());
      }),
      { numRuns: 60 },
    );
  });

  it.each([
    { name: 'on a bound', value: 0.01 },
    { name: 'past the last bound', value: 11 },
    { name: 'zero', value: 0 },
  ])('puts a value $name in the same bucket', async ({ value }) => {
    const p = pair();
    p.record({ method: 'GET', route: '/a' }, value);
    expect(await p.ours.metrics()).toBe(await p.theirs.metrics());
  });

  it('starts empty again after a reset', async () => {
    const p = pair();
    p.record({ method: 'GET', route: '/a' }, 0.5);
    p.reset();
    const text = await p.ours.metrics();
    expect(text).not.toContain('x_seconds_bucket');
    expect(text).toContain('# TYPE x_seconds histogram');
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY])('refuses %s as prom-client does', (value) => {
    const cheap = createCheapHistogram({ name: 'y', help: 'y', labelNames: ['a'], buckets: BUCKETS });
    expect(() => cheap.recorder.observe({ a: 'x' }, value)).toThrow(TypeError);
    expect(() => createCheapCounter(['a']).recorder.inc({ a: 'x' }, -1)).toThrow('not possible to decrease');
  });
});
