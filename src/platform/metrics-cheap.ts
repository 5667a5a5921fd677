// Counters and a histogram cheap enough to record on every request. prom-client builds a string
// key from the labels on every `inc`/`observe` (and allocates a closure per observation); here the
// series is found through one Map per label, keyed by the caller's own label strings, and the
// update is an addition. prom-client still renders the exposition: counters are folded into a
// prom-client Counter when it is scraped, and the histogram answers the registry with the same
// values prom-client's Histogram would (test/unit/metrics-cheap.test.ts compares the two).

export interface CheapCounter<L extends string> {
  inc(labels: Readonly<Record<L, string>>, value?: number): void;
}

export interface CheapHistogram<L extends string> {
  observe(labels: Readonly<Record<L, string>>, value: number): void;
}

/** Label values → series, one Map level per label name. */
class SeriesMap<T> {
  readonly all: T[] = [];
  private readonly root = new Map<string, unknown>();

  constructor(
    private readonly labelNames: readonly string[],
    private readonly create: (labels: Record<string, string>) => T,
  ) {}

  get(labels: Readonly<Record<string, string>>): T {
    const names = this.labelNames;
    let node = this.root;
    for (let i = 0; i < names.length - 1; i++) {
      const value = labels[names[i] as string] as string;
      let next = node.get(value) as Map<string, unknown> | undefined;
      if (next === undefined) node.set(value, (next = new Map()));
      node = next;
    }
    const last = names.length === 0 ? '' : (labels[names[names.length - 1] as string] as string);
    let series = node.get(last) as T | undefined;
    if (series === undefined) {
      const own: Record<string, string> = {};
      for (const name of names) own[name] = labels[name] as string;
      series = this.create(own);
      node.set(last, series);
      this.all.push(series);
    }
    return series;
  }
}

function checkValue(value: number): void {
  if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
}

/**
 * A counter that adds in place; `collect` hands each series' increments since the last call to
 * `add` (a prom-client Counter's `inc`, from its own collect hook) and clears them.
 */
export function createCheapCounter<L extends string>(labelNames: readonly L[]) {
  // `shown`: the series has been handed over once (prom-client shows a series from its first
  // `inc`, even `inc(labels, 0)`).
  const series = new SeriesMap(labelNames, (labels) => ({ labels, pending: 0, shown: false }));
  const recorder: CheapCounter<L> = {
    inc(labels, value = 1) {
      checkValue(value);
      if (value < 0) throw new Error('It is not possible to decrease a counter');
      series.get(labels).pending += value;
    },
  };
  const collect = (add: (labels: Record<string, string>, value: number) => void): void => {
    for (const s of series.all) {
      if (s.pending === 0 && s.shown) continue;
      add(s.labels, s.pending);
      s.pending = 0;
      s.shown = true;
    }
  };
  return { recorder, collect };
}

interface HistogramSeries {
  labels: Record<string, string>;
  /** Observations per bucket (not cumulative); past the last bound they count only in `count`. */
  counts: number[];
  sum: number;
  count: number;
}

interface ValuePair {
  labels: Record<string, string | number>;
  sharedLabels?: Record<string, string>;
  value: number;
  metricName: string;
  exemplar: null | undefined;
}

/**
 * A histogram with fixed upper bounds, and a metric object the prom-client Registry can render:
 * `getForPromString()` and `get()` answer what prom-client's Histogram answers for the same
 * observations (bucket values cumulative, `+Inf`, `_sum`, `_count`).
 */
export function createCheapHistogram<L extends string>(options: { name: string; help: string; labelNames: readonly L[]; buckets: readonly number[] }) {
  const bounds = [...options.buckets];
  const empty = () => new SeriesMap<HistogramSeries>(options.labelNames, (labels) => ({ labels, counts: new Array<number>(bounds.length).fill(0), sum: 0, count: 0 }));
  let series = empty();
  const recorder: CheapHistogram<L> = {
    observe(labels, value) {
      checkValue(value);
      const s = series.get(labels);
      let i = 0;
      while (i < bounds.length && value > (bounds[i] as number)) i++;
      if (i < bounds.length) s.counts[i] = (s.counts[i] as number) + 1;
      s.sum += value;
      s.count++;
    },
  };
  const bucketName = `${options.name}_bucket`;
  const values = (): ValuePair[] => {
    const out: ValuePair[] = [];
    for (const s of series.all) {
      let cumulative = 0;
      bounds.forEach((le, i) => {
        cumulative += s.counts[i] as number;
        out.push({ labels: { le }, sharedLabels: s.labels, value: cumulative, metricName: bucketName, exemplar: null });
      });
      out.push({ labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count, metricName: bucketName, exemplar: null });
      out.push({ labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${options.name}_sum`, exemplar: undefined });
      out.push({ labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${options.name}_count`, exemplar: undefined });
    }
    return out;
  };
  const metric = {
    name: options.name,
    help: options.help,
    type: 'histogram' as const,
    aggregator: 'sum' as const,
    async getForPromString() {
      return { name: metric.name, help: metric.help, type: metric.type, values: values(), aggregator: metric.aggregator };
    },
    async get() {
      const splayed = values().map(({ sharedLabels, labels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } }));
      return { name: metric.name, help: metric.help, type: metric.type, values: splayed, aggregator: metric.aggregator };
    },
    reset() {
      series = empty();
    },
  };
  return { recorder, metric };
}
