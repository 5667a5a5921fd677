import { expect } from 'vitest';
import type { TestApp } from '../../harness/app.js';

export interface Caller {
  auth: Record<string, string>;
}

/** POST /v1/query/sql; `wait` seconds as `Prefer: wait=N` (default 30: the answer comes back finished). */
export function submit(t: TestApp, caller: Caller, datasetId: string, sql: string, wait: number | null = 30) {
  return t.aureus.server.inject({
    method: 'POST',
    url: '/v1/query/sql',
    headers: { ...caller.auth, ...(wait === null ? {} : { prefer: `wait=${wait}` }) },
    payload: { dataset_id: datasetId, sql },
  });
}

/** Runs SQL to completion and returns the finished query, failing the test unless it succeeded. */
export async function rows(t: TestApp, caller: Caller, datasetId: string, sql: string) {
  const response = await submit(t, caller, datasetId, sql);
  expect(response.statusCode, response.body).toBe(200);
  const body = response.json();
  expect(body.status, response.body).toBe('success');
  return body as { query_id: string; columns: { name: string; type: string; masked: boolean; masking: string | null }[]; rows: unknown[][]; row_count: number; truncated: boolean; cached: boolean };
}

export function getQuery(t: TestApp, caller: Caller, id: string) {
  return t.aureus.server.inject({ method: 'GET', url: `/v1/query/${id}`, headers: caller.auth });
}

/** Polls GET /v1/query/:id until the query leaves pending/running (jobs run in the background). */
export async function finished(t: TestApp, caller: Caller, id: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const body = (await getQuery(t, caller, id)).json();
    if (!['pending', 'running'].includes(body.status)) return body;
    if (Date.now() > deadline) throw new Error(`query ${id} still ${body.status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
