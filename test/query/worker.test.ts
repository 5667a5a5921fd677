import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_NAME } from '../../src/modules/datasets/index.js';
import { type TestApp, backendVars, createTestApp } from '../harness/app.js';
import { type TestDb, createTestDb } from '../harness/db.js';
import { BACKEND } from '../harness/env.js';
import { type Session, loginAdmin } from '../harness/identity.js';
import { finished, submit } from './helpers/query.js';
import { DEMO_TABLE_INPUT, type PostgresTarget, TEST_DATA_DIR, createPostgresTarget } from './helpers/target.js';

// Two instances on one metadata store and one queue: an API that never runs jobs, and a worker.
// On services the queue is BullMQ and cancellation travels by Redis pub/sub (the worker could be on
// another machine); embedded, both share the in-process queue and broadcast. Either way the job
// carries only the query id.
let store: TestDb;
let api: TestApp;
let worker: TestApp;
let admin: Session;
let target: PostgresTarget | undefined;
let datasetId: string;
beforeAll(async () => {
  store = await createTestDb();
  const vars = { DATA_DIR: TEST_DATA_DIR, ...backendVars(), REDIS_KEY_PREFIX: `aureus:test:w${randomBytes(4).toString('hex')}:` };
  api = await createTestApp({ db: store, vars });
  worker = await createTestApp({ db: store, vars, ...(BACKEND === 'embedded' ? { overrides: { queue: api.aureus.queue, broadcast: api.aureus.broadcast } } : {}) });
  await worker.aureus.startWorker();
  admin = await loginAdmin(api);
  if (BACKEND === 'services') {
    target = await createPostgresTarget();
    const created = await api.aureus.server.inject({ method: 'POST', url: '/v1/datasets', headers: admin.auth, payload: { name: 'remote', connection_url: target.url, tables: DEMO_TABLE_INPUT } });
    datasetId = created.json().id;
  } else {
    datasetId = (await api.aureus.server.inject({ method: 'GET', url: '/v1/datasets', headers: admin.auth })).json().datasets.find((d: { name: string }) => d.name === DEMO_NAME).id;
  }
});
afterAll(async () => {
  await api.close();
  await worker.close();
  await target?.close();
  await store.close();
});

describe('an API instance without a worker', () => {
  it('queues the job; the worker instance loads the query by id, runs it, and the API answers the waiting caller', async () => {
    const response = await submit(api, admin, datasetId, 'SELECT name FROM branches WHERE id = 3', 20);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ status: 'success', rows: [['Old Mill']] });
    const { rows: events } = await store.db.query<{ event_type: string; request_id: string }>('SELECT event_type, request_id FROM audit_events WHERE resource_id = $1 ORDER BY event_type', [response.json().query_id]);
    expect(events).toEqual([
      { event_type: 'query.executed', request_id: response.headers['x-request-id'] },
      { event_type: 'query.submitted', request_id: response.headers['x-request-id'] },
    ]);
  });

  it('answers 202 without a wait; the result appears once the worker is done', async () => {
    const response = await submit(api, admin, datasetId, 'SELECT count(*) FROM loans', null);
    expect(response.statusCode).toBe(202);
    expect(await finished(api, admin, response.json().query_id)).toMatchObject({ status: 'success', rows: [[2500]] });
  });

  it('cancels, from the API, a statement the worker is running', async () => {
    const response = await submit(api, admin, datasetId, 'SELECT count(*) FROM generate_series(1, 100000000000) AS g', null);
    const id = response.json().query_id;
    const running = async () => (await api.aureus.server.inject({ method: 'GET', url: `/v1/query/${id}`, headers: admin.auth })).json().status === 'running';
    for (const deadline = Date.now() + 10_000; !(await running()); ) {
      if (Date.now() > deadline) throw new Error('the worker never started the query');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const cancelled = await api.aureus.server.inject({ method: 'DELETE', url: `/v1/query/${id}`, headers: admin.auth });
    expect(cancelled.json()).toMatchObject({ status: 'cancelled', error_message: 'The query was cancelled by its caller.' });
  });
});
