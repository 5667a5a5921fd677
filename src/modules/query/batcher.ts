import { type RequestContext, currentContext } from '../../platform/context.js';
import type { Db, Executor } from '../../platform/db/index.js';

/** An item with the request context it was submitted in (audit rows take request id and ip from it). */
export interface Batched<I> {
  item: I;
  context: RequestContext | undefined;
}

export type Flush<I, R> = (tx: Executor, batch: Batched<I>[]) => Promise<R[]>;

interface Waiting<I, R> extends Batched<I> {
  resolve(value: R): void;
  reject(err: unknown): void;
}

/**
 * Group commit for the query path's writes (final state, result, audit): writes that arrive while
 * transactions are committing queue up and go together in the next one, written with multi-row
 * statements by `flush`. Each caller's promise settles only after the transaction holding its
 * write has committed, so no result is answered before its audit record is durable; under load
 * many queries share one commit. Up to `parallel` transactions run at once (a pool has several
 * connections; one at a time would cap throughput at one batch per commit latency). A failing write
 * must not sink its neighbours: after a failed batch each is retried alone.
 */
export function createCommitBatcher<I, R>(db: Db, flush: Flush<I, R>, options: { maxBatch?: number; parallel?: number } = {}) {
  const maxBatch = options.maxBatch ?? 64;
  const parallel = Math.max(1, options.parallel ?? 1);
  const queue: Waiting<I, R>[] = [];
  const flushing = new Set<Promise<void>>();

  async function commit(batch: Waiting<I, R>[]): Promise<void> {
    try {
      const results = await db.transaction((tx) => flush(tx, batch));
      batch.forEach((w, i) => w.resolve(results[i] as R));
    } catch (err) {
      if (batch.length === 1) return (batch[0] as Waiting<I, R>).reject(err);
      for (const w of batch) {
        await db.transaction((tx) => flush(tx, [w])).then((r) => w.resolve(r[0] as R), w.reject);
      }
    }
  }

  function schedule(): void {
    while (flushing.size < parallel && queue.length > 0) {
      const running: Promise<void> = commit(queue.splice(0, maxBatch)).finally(() => {
        flushing.delete(running);
        schedule();
      });
      flushing.add(running);
    }
  }

  return {
    run(item: I): Promise<R> {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, context: currentContext(), resolve, reject });
        schedule();
      });
    },
    /** Resolves once everything queued so far has committed (shutdown). */
    async drain(): Promise<void> {
      while (flushing.size > 0 || queue.length > 0) await Promise.allSettled([...flushing]);
    },
  };
}
