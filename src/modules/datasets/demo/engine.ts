import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { classifyFailure } from '../targets/sqlstate.js';
import { type RunRequest, type RunResult, type Target, TargetError } from '../targets/types.js';
import { DEMO_DATA_VERSION } from './schema.js';

/** PGlite ignores statement_timeout; the engine enforces it by ending the worker this long after. */
const TIMEOUT_GRACE_MS = 250;

type FromWorker =
  | { type: 'ready'; snapshot: Uint8Array | null }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; result: RunResult }
  | { type: 'error'; id: number; sqlState?: string; message: string };

interface Job {
  id: number;
  request: RunRequest;
  signal: AbortSignal;
  resolve(result: RunResult): void;
  reject(err: Error): void;
}

function spawn(snapshot: Uint8Array | null): Worker {
  const url = new URL(`./worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  const options = { workerData: { snapshot } };
  if (!url.pathname.endsWith('.ts')) return new Worker(url, options);
  // Running from source (npm start, tests): the worker registers the same TypeScript loader first.
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}

/**
 * The demo dataset as a Target: one PGlite in a worker thread, loaded from a snapshot under
 * DATA_DIR/demo (generated on first use, then reused), started lazily. Statements run one at a time;
 * cancelling or timing out the running one terminates the worker — the only way to stop PGlite —
 * and the next statement starts a fresh one from the snapshot.
 */
export function createDemoTarget(options: { dataDir: string; logger: Logger }): Target & { warm(): Promise<void> } {
  const file = join(options.dataDir, 'demo', `loan-portfolio-v${DEMO_DATA_VERSION}.tar.gz`);
  const queue: Job[] = [];
  let worker: Worker | undefined;
  let ready: Promise<Worker> | undefined;
  interface Running {
    job: Job;
    timer?: NodeJS.Timeout;
    stop: () => void;
  }
  let current = undefined as Running | undefined;
  let nextId = 1;
  let closed = false;

  const readSnapshot = (): Uint8Array | null => {
    try {
      return new Uint8Array(readFileSync(file));
    } catch {
      return null;
    }
  };

  /** One worker from `snapshot` (null: generate the data), resolved once it reports ready. */
  function launch(snapshot: Uint8Array | null): Promise<{ worker: Worker; fresh: Uint8Array | null }> {
    return new Promise((resolve, reject) => {
      const w = spawn(snapshot);
      worker = w;
      w.on('message', (m: FromWorker) => {
        if (m.type === 'ready') resolve({ worker: w, fresh: m.snapshot });
        else if (m.type === 'failed') {
          stopWorker();
          reject(new TargetError('unavailable', `The demo dataset could not start: ${m.message}`));
        } else finish(m);
      });
      w.on('error', (err) => options.logger.error({ err_message: err.message }, 'demo.worker_error'));
      w.on('exit', () => {
        if (worker !== w) return;
        worker = undefined;
        ready = undefined;
        reject(new TargetError('unavailable', 'The demo dataset stopped while starting.'));
        if (current) settle(current.job, new TargetError('unavailable', 'The demo dataset stopped.'));
        pump();
      });
    });
  }

  function start(): Promise<Worker> {
    ready ??= (async () => {
      const started = Date.now();
      let snapshot = readSnapshot();
      const generated = !snapshot;
      if (!snapshot) {
        // Generated once, saved atomically (a crash mid-write must not leave half a snapshot),
        // then served by a fresh worker: the generating one's WebAssembly memory only grows.
        const first = await launch(null);
        snapshot = first.fresh as Uint8Array;
        mkdirSync(join(options.dataDir, 'demo'), { recursive: true });
        writeFileSync(`${file}.${process.pid}.tmp`, snapshot);
        renameSync(`${file}.${process.pid}.tmp`, file);
        worker = undefined;
        await first.worker.terminate();
      }
      const { worker: w } = await launch(snapshot);
      options.logger.info({ duration_ms: Date.now() - started, generated }, 'demo.ready');
      return w;
    })();
    return ready;
  }

  function stopWorker(): void {
    const w = worker;
    worker = undefined;
    ready = undefined;
    void w?.terminate();
  }

  function settle(job: Job, outcome: RunResult | Error): void {
    if (current?.job === job) {
      clearTimeout(current.timer);
      job.signal.removeEventListener('abort', current.stop);
      current = undefined;
    }
    if (outcome instanceof Error) job.reject(outcome);
    else job.resolve(outcome);
    pump();
  }

  function finish(m: Extract<FromWorker, { type: 'result' | 'error' }>): void {
    const job = current?.job;
    if (!job || job.id !== m.id) return;
    if (m.type === 'result') settle(job, m.result);
    else settle(job, classifyFailure({ code: m.sqlState }, { aborted: false, timedOut: false, timeoutMs: job.request.timeoutMs }));
  }

  function pump(): void {
    if (current || closed) return;
    const job = queue.shift();
    if (!job) return;
    if (job.signal.aborted) return settle(job, new TargetError('cancelled', 'The query was cancelled.'));
    const end = (err: TargetError) => {
      if (current?.job !== job) return;
      stopWorker();
      settle(job, err);
    };
    const stop = () => end(new TargetError('cancelled', 'The query was cancelled.'));
    const running: Running = { job, stop };
    current = running;
    job.signal.addEventListener('abort', stop, { once: true });
    start().then(
      (w) => {
        if (current !== running) return;
        // The clock starts when the statement does: a first start may spend seconds generating data.
        running.timer = setTimeout(
          () => end(new TargetError('timeout', `The query ran longer than the dataset's statement timeout (${job.request.timeoutMs} ms) and was stopped.`)),
          job.request.timeoutMs + TIMEOUT_GRACE_MS,
        );
        w.postMessage({ id: job.id, request: job.request });
      },
      (err: Error) => {
        if (current === running) settle(job, err instanceof TargetError ? err : new TargetError('unavailable', err.message));
      },
    );
  }

  return {
    kind: 'demo',
    run(request, signal) {
      if (closed) return Promise.reject(new TargetError('unavailable', 'The demo dataset is closed.'));
      return new Promise<RunResult>((resolve, reject) => {
        queue.push({ id: nextId++, request, signal, resolve, reject });
        pump();
      });
    },
    async warm() {
      await start();
    },
    async close() {
      closed = true;
      for (const job of queue.splice(0)) job.reject(new TargetError('unavailable', 'The demo dataset is closed.'));
      if (current) settle(current.job, new TargetError('unavailable', 'The demo dataset is closed.'));
      const w = worker;
      worker = undefined;
      ready = undefined;
      await w?.terminate();
    },
  };
}
