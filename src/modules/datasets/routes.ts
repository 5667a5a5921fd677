import type { App } from '../../http/server.js';
import { PageQuery, decodeCursor, encodeCursor } from '../../http/pagination.js';
import { principalOf } from '../identity/index.js';
import { CreateDatasetBody, DatasetList, DatasetParams, DatasetView, IntrospectionView, UpdateDatasetBody, datasetView, introspectionView } from './schemas.js';
import type { DatasetService } from './service.js';

const read = { auth: 'either', permission: 'dataset.read' } as const;
const manage = { auth: 'either', permission: 'dataset.manage' } as const;
const tags = ['datasets'];

export function datasetRoutes(app: App, service: DatasetService) {
  app.get('/v1/datasets', { config: read, schema: { tags, summary: 'Datasets you may query (viewers: those approved for viewers)', querystring: PageQuery, response: { 200: DatasetList } } }, async (request) => {
    const actor = principalOf(request);
    const after = request.query.cursor ? decodeCursor<{ t: string; id: string }>(request.query.cursor, ['t', 'id']) : undefined;
    const found = await service.list(actor, request.query.limit + 1, after);
    const page = found.slice(0, request.query.limit);
    const last = page[page.length - 1];
    return {
      datasets: page.map((d) => datasetView(d, { admin: service.isAdmin(actor) })),
      next_cursor: found.length > page.length && last ? encodeCursor({ t: last.createdAt.toISOString(), id: last.id }) : null,
    };
  });

  app.post('/v1/datasets', { config: manage, schema: { tags, summary: 'Register a dataset (the connection is tested and stored encrypted)', body: CreateDatasetBody, response: { 201: DatasetView } } }, async (request, reply) => {
    const created = await service.create(principalOf(request), request.body);
    return reply.status(201).send(datasetView(created, { admin: true }));
  });

  app.get('/v1/datasets/:id', { config: read, schema: { tags, summary: 'A dataset: tables, columns, types, PII tags, row counts', params: DatasetParams, response: { 200: DatasetView } } }, async (request) => {
    const actor = principalOf(request);
    return datasetView(await service.get(actor, request.params.id), { admin: service.isAdmin(actor) });
  });

  app.patch('/v1/datasets/:id', { config: manage, schema: { tags, summary: 'Change a dataset (bumps its policy version)', params: DatasetParams, body: UpdateDatasetBody, response: { 200: DatasetView } } }, async (request) =>
    datasetView(await service.update(principalOf(request), request.params.id, request.body), { admin: true }),
  );

  app.post(
    '/v1/datasets/:id/introspect',
    { config: manage, schema: { tags, summary: 'Read tables, columns, types and row counts from the database and propose PII tags', params: DatasetParams, response: { 200: IntrospectionView } } },
    async (request) => introspectionView(request.params.id, await service.introspect(principalOf(request), request.params.id)),
  );
}
