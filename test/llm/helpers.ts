import type { TestApp } from '../harness/app.js';
import type { FakeOpenAI } from '../harness/fake-openai.js';
import { type QueryFixture, queryFixture } from '../query/helpers/target.js';

export const MODEL = 'fake-sql-1';

/** An app with the fake model configured: priced, with short deadlines and one retry. */
export async function askFixture(fake: FakeOpenAI, vars: Record<string, string> = {}): Promise<QueryFixture> {
  return queryFixture({
    OPENAI_BASE_URL: fake.url,
    OPENAI_API_KEY: 'sk-test-not-a-real-key',
    LLM_MODEL: MODEL,
    LLM_PRICES: JSON.stringify({ [MODEL]: { input: 1, output: 2 } }),
    LLM_TIMEOUT_MS: '1500',
    LLM_MAX_RETRIES: '1',
    LLM_RETRY_AFTER_MAX_MS: '5000',
    LLM_BREAKER_MIN_CALLS: '1000',
    LLM_BREAKER_FAILURES: '1000',
    ...vars,
  });
}

/** POST /v1/query/ask; `wait` seconds as `Prefer: wait=N` (default 30: the answer comes back finished). */
export function ask(t: TestApp, caller: { auth: Record<string, string> }, datasetId: string, question: string, wait: number | null = 30) {
  return t.aureus.server.inject({
    method: 'POST',
    url: '/v1/query/ask',
    headers: { ...caller.auth, ...(wait === null ? {} : { prefer: `wait=${wait}` }) },
    payload: { dataset_id: datasetId, question },
  });
}

export async function securityEvents(t: TestApp, type: string): Promise<{ detail: Record<string, unknown>; severity: string }[]> {
  const { rows } = await t.aureus.db.query<{ detail: Record<string, unknown> | string; severity: string }>('SELECT detail, severity FROM security_events WHERE event_type = $1 ORDER BY timestamp', [type]);
  return rows.map((r) => ({ severity: r.severity, detail: typeof r.detail === 'string' ? (JSON.parse(r.detail) as Record<string, unknown>) : r.detail }));
}

export async function evidenceOf(t: TestApp, queryId: string): Promise<Record<string, unknown>> {
  const { rows } = await t.aureus.db.query<{ canonical_json: string }>("SELECT canonical_json FROM audit_evidence WHERE kind = 'query' AND subject_id = $1", [queryId]);
  if (!rows[0]) throw new Error(`no evidence pack for ${queryId}`);
  return JSON.parse(rows[0].canonical_json) as Record<string, unknown>;
}
