import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp } from '../harness/app.js';
import { type FakeOpenAI, answer, startFakeOpenAI } from '../harness/fake-openai.js';
import { type Session, loginAdmin, userWithRole } from '../harness/identity.js';
import type { QueryFixture } from '../query/helpers/target.js';
import { ask, askFixture } from './helpers.js';

const RECOVERY_MS = 1500;
let fake: FakeOpenAI;
let f: QueryFixture;
let analyst: Session;
const ok = () => answer('SELECT count(*) AS n FROM branches');

beforeAll(async () => {
  fake = await startFakeOpenAI(ok);
  // One retry per question, 800 ms a call; the breaker opens after 4 failed calls in a row.
  f = await askFixture(fake, { LLM_TIMEOUT_MS: '800', LLM_BREAKER_MIN_CALLS: '4', LLM_BREAKER_FAILURES: '4', LLM_BREAKER_RECOVERY_MS: String(RECOVERY_MS) });
  analyst = await userWithRole(f.t, 'analyst');
});
afterAll(async () => {
  await f.close();
  await fake.close();
});
beforeEach(() => {
  fake.script(ok);
  fake.clear();
});

const llmComponent = async () => {
  const health = (await f.t.aureus.server.inject({ method: 'GET', url: '/health' })).json();
  return { component: health.components.find((c: { name: string }) => c.name === 'llm'), breaker: health.breakers.find((b: { name: string }) => b.name === 'llm') };
};

describe('the model is slow, failing or rate limiting (seed 000 §9–§10)', () => {
  it('retries a 500 once and answers', async () => {
    fake.queue({ status: 500 });
    const body = (await ask(f.t, analyst, f.datasetId, 'How many branches?')).json();
    expect(body).toMatchObject({ status: 'success', rows: [[8]] });
    expect(fake.requests).toHaveLength(2);
  });

  it('retries a dropped connection', async () => {
    fake.queue({ reset: true });
    expect((await ask(f.t, analyst, f.datasetId, 'How many branches?')).json().status).toBe('success');
    expect(fake.requests).toHaveLength(2);
  });

  it('does not retry a 400: the request, not the endpoint, is at fault', async () => {
    fake.queue({ status: 400, body: { error: { message: 'context length exceeded: <prompt echoed here>' } } });
    const body = (await ask(f.t, analyst, f.datasetId, 'How many branches?')).json();
    expect(body).toMatchObject({ status: 'error', error: { code: 'SERVICE_UNAVAILABLE', message: 'The language model answered HTTP 400 (model fake-sql-1).' } });
    expect(fake.requests).toHaveLength(1);
  });

  it('waits out a short Retry-After on 429', async () => {
    fake.queue({ status: 429, headers: { 'retry-after': '1' } });
    const body = (await ask(f.t, analyst, f.datasetId, 'How many branches?')).json();
    expect(body.status).toBe('success');
    const [first, second] = fake.requests;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('gives up at once on a Retry-After longer than LLM_RETRY_AFTER_MAX_MS', async () => {
    fake.queue({ status: 429, headers: { 'retry-after': '3600' } });
    const started = Date.now();
    const body = (await ask(f.t, analyst, f.datasetId, 'How many branches?')).json();
    expect(body).toMatchObject({ status: 'error', error: { code: 'SERVICE_UNAVAILABLE', message: 'The language model is rate limiting Aureus; try again later.' } });
    expect(fake.requests).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('abandons a slow call at LLM_TIMEOUT_MS, retries once, then fails with UPSTREAM_TIMEOUT', async () => {
    fake.script(() => ({ ...ok(), delayMs: 5000 }));
    const started = Date.now();
    const body = (await ask(f.t, analyst, f.datasetId, 'How many branches?')).json();
    expect(body).toMatchObject({ status: 'error', error: { code: 'UPSTREAM_TIMEOUT' } });
    expect(fake.requests).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(4500);
    // A success closes the count of consecutive failures again.
    fake.script(ok);
    expect((await ask(f.t, analyst, f.datasetId, 'How many branches?')).json().status).toBe('success');
  });

  it('opens the breaker after the minimum volume of failures, fails fast while open, and recovers through a probe', async () => {
    fake.script(() => ({ status: 503 }));
    for (let i = 0; i < 2; i++) expect((await ask(f.t, analyst, f.datasetId, 'How many branches?')).json().status).toBe('error');
    expect(fake.requests).toHaveLength(4);

    const refused = await ask(f.t, analyst, f.datasetId, 'How many branches?');
    expect(refused.statusCode).toBe(503);
    expect(refused.json().error).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    const wait = refused.json().error.details.retry_after_ms as number;
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(RECOVERY_MS);
    expect(Number(refused.headers['retry-after'])).toBe(Math.ceil(wait / 1000));
    expect(refused.headers['retry-after-ms']).toBe(String(wait));
    expect(fake.requests).toHaveLength(4);
    expect(await llmComponent()).toMatchObject({ component: { status: 'unhealthy' }, breaker: { state: 'open' } });
    const metrics = (await f.t.aureus.server.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/aureus_breaker_state\{breaker="llm"\} 2/);

    await new Promise((resolve) => setTimeout(resolve, wait + 100));
    fake.script(ok);
    const probe = (await ask(f.t, analyst, f.datasetId, 'How many branches?')).json();
    expect(probe.status).toBe('success');
    expect(await llmComponent()).toMatchObject({ component: { status: 'healthy' }, breaker: { state: 'closed' } });
  });
});

describe('no model configured', () => {
  it('answers 503 saying how to configure one; health shows llm as not configured, not unhealthy', async () => {
    const t = await createTestApp();
    try {
      const admin = await loginAdmin(t);
      const response = await ask(t, admin, randomUUID(), 'How many loans are there?');
      expect(response.statusCode).toBe(503);
      expect(response.json().error.message).toMatch(/LLM_MODEL.*OPENAI_BASE_URL/);
      const health = (await t.aureus.server.inject({ method: 'GET', url: '/health' })).json();
      expect(health.components.find((c: { name: string }) => c.name === 'llm')).toMatchObject({ status: 'healthy', configured: false, message: expect.stringMatching(/^not configured/) });
    } finally {
      await t.close();
    }
  });
});
