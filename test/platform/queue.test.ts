import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../src/platform/queue/index.js';
import { type TestApp, createTestApp } from '../harness/app.js';
import { BACKEND } from '../harness/env.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe(`job queue (${BACKEND})`, () => {
  it('uses BullMQ with Redis and the in-process queue without', () => {
    expect(t.aureus.queue.kind).toBe(BACKEND === 'services' ? 'bullmq' : 'memory');
  });

  it('runs a job with its data, retrying a failed attempt', async () => {
    const seen: Job[] = [];
    const done = deferred<void>();
    t.aureus.queue.handle('test.flaky', async (job) => {
      seen.push(job);
      if (job.attempt === 1) throw new Error('transient');
      done.resolve();
    });
    await t.aureus.startWorker();
    await t.aureus.queue.add('test.flaky', { n: 7 }, { attempts: 2 });
    await done.promise;
    expect(seen.map((j) => [j.name, j.data, j.attempt])).toEqual([
      ['test.flaky', { n: 7 }, 1],
      ['test.flaky', { n: 7 }, 2],
    ]);
  });

  it('adds a job once per job id', async () => {
    let runs = 0;
    const done = deferred<void>();
    t.aureus.queue.handle('test.once', async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 100));
      done.resolve();
    });
    await Promise.all([t.aureus.queue.add('test.once', {}, { jobId: 'same-id' }), t.aureus.queue.add('test.once', {}, { jobId: 'same-id' })]);
    await done.promise;
    await new Promise((r) => setTimeout(r, 200));
    expect(runs).toBe(1);
  });

  it('runs scheduled jobs on their cron expression', async () => {
    const ticks: number[] = [];
    const twice = deferred<void>();
    t.aureus.queue.handle('test.tick', async () => {
      ticks.push(Date.now());
      if (ticks.length === 2) twice.resolve();
    });
    await t.aureus.queue.schedule('test.tick', '* * * * * *');
    await twice.promise;
    expect(ticks[1]! - ticks[0]!).toBeGreaterThanOrEqual(500);
  });

  it('finishes the running job before the worker stops', async () => {
    const own = await createTestApp();
    const started = deferred<void>();
    let finished = false;
    own.aureus.queue.handle('test.slow', async () => {
      started.resolve();
      await new Promise((r) => setTimeout(r, 400));
      finished = true;
    });
    await own.aureus.startWorker();
    await own.aureus.queue.add('test.slow', {});
    await started.promise;
    await own.close();
    expect(finished).toBe(true);
  });
});
