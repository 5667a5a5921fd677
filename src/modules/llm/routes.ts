import type { App } from '../../http/server.js';
import type { DatasetService } from '../datasets/index.js';
import { principalOf } from '../identity/index.js';
import { Accepted, PreferHeaders, type QueryService, QueryView, preferredWait, queryResponse } from '../query/index.js';
import type { ExampleStore } from './examples.js';
import { AskBody, DatasetParams, ExampleBody, ExampleList, ExampleParams, ExampleView, PromoteBody, PromoteParams, exampleView } from './schemas.js';

const tags = ['query'];
const manage = { auth: 'either', permission: 'dataset.manage' } as const;

export interface LlmRouteDeps {
  queries: QueryService;
  datasets: Pick<DatasetService, 'forCaller'>;
  examples: ExampleStore;
}

export function llmRoutes(app: App, deps: LlmRouteDeps) {
  app.post(
    '/v1/query/ask',
    {
      config: { auth: 'either', permission: 'query.execute', rateLimit: 'ask' },
      schema: {
        tags,
        summary: 'Ask a question in plain language: the model writes SQL, which is guarded, run and masked like any query (202; `Prefer: wait=N` answers 200 when done in time)',
        headers: PreferHeaders, body: AskBody, response: { 200: QueryView, 202: Accepted },
      },
    },
    async (request, reply) => {
      const wait = preferredWait(request.headers.prefer);
      const done = await deps.queries.submitAsk(principalOf(request), { question: request.body.question, datasetId: request.body.dataset_id }, wait * 1000);
      return queryResponse(reply, done, wait);
    },
  );

  app.get(
    '/v1/datasets/:dataset_id/examples',
    { config: { auth: 'either', permission: 'dataset.read' }, schema: { tags: ['datasets'], summary: 'Verified question → SQL examples the model is shown for this dataset (those your role may run)', params: DatasetParams, response: { 200: ExampleList } } },
    async (request) => {
      const actor = principalOf(request);
      const d = await deps.datasets.forCaller(actor, request.params.dataset_id);
      return { examples: (await deps.examples.list(actor, d)).map(exampleView) };
    },
  );

  app.post(
    '/v1/datasets/:dataset_id/examples',
    { config: manage, schema: { tags: ['datasets'], summary: 'Add a verified question → SQL example (the SQL is checked by the guard)', params: DatasetParams, body: ExampleBody, response: { 201: ExampleView } } },
    async (request, reply) => {
      const actor = principalOf(request);
      const d = await deps.datasets.forCaller(actor, request.params.dataset_id);
      return reply.status(201).send(exampleView(await deps.examples.create(actor, d, request.body)));
    },
  );

  app.delete(
    '/v1/datasets/:dataset_id/examples/:example_id',
    { config: manage, schema: { tags: ['datasets'], summary: 'Remove an example', params: ExampleParams } },
    async (request, reply) => {
      const actor = principalOf(request);
      const d = await deps.datasets.forCaller(actor, request.params.dataset_id);
      await deps.examples.remove(actor, d, request.params.example_id);
      return reply.status(204).send();
    },
  );

  app.post(
    '/v1/query/:query_id/promote',
    { config: manage, schema: { tags, summary: 'Make a query that succeeded a verified example for its dataset', params: PromoteParams, body: PromoteBody, response: { 201: ExampleView } } },
    async (request, reply) => {
      const actor = principalOf(request);
      const found = await deps.queries.get(actor, request.params.query_id);
      const d = await deps.datasets.forCaller(actor, found.record.datasetId);
      return reply.status(201).send(exampleView(await deps.examples.promote(actor, d, found, request.body?.question)));
    },
  );
}
