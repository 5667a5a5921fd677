import type { FastifyReply } from 'fastify';
import type { App } from '../../http/server.js';
import { PageQuery, decodeCursor, encodeCursor } from '../../http/pagination.js';
import { AppError } from '../../platform/errors.js';
import { principalOf } from '../identity/index.js';
import { Accepted, History, PreferHeaders, QueryParams, QueryView, SqlBody, ValidationView, acceptedView, queryView, summaryView, validationView } from './schemas.js';
import type { Finished, QueryService } from './service.js';
import { FINAL_STATUSES } from './types.js';

const MAX_WAIT_S = 60;
const execute = { auth: 'either', permission: 'query.execute', rateLimit: 'query' } as const;
const read = { auth: 'either', permission: 'query.read' } as const;
const tags = ['query'];

/** RFC 7240 `Prefer: wait=N`, N whole seconds from 0 to 60; anything else named `wait` is a 400. */
export function preferredWait(header: string | undefined): number {
  if (!header) return 0;
  const match = /(?:^|[,;\s])wait\s*=\s*("?)([^",;\s]*)\1/i.exec(header);
  if (!match) return 0;
  const text = match[2] as string;
  const seconds = /^\d{1,3}$/.test(text) ? Number(text) : NaN;
  if (!(seconds >= 0 && seconds <= MAX_WAIT_S)) {
    throw new AppError('VALIDATION_ERROR', `Prefer: wait must be a whole number of seconds from 0 to ${MAX_WAIT_S}.`, {
      details: { fields: [{ path: 'headers/prefer', message: `wait must be an integer from 0 to ${MAX_WAIT_S}` }] },
    });
  }
  return seconds;
}

/** A submitted query's answer: 200 with the query once final (waited for), else 202 with where to poll. */
export function queryResponse(reply: FastifyReply, done: Finished, wait: number) {
  if (wait > 0) reply.header('preference-applied', `wait=${wait}`);
  if (FINAL_STATUSES.includes(done.record.status)) return reply.status(200).send(queryView(done));
  return reply.status(202).header('location', `/v1/query/${done.record.id}`).send(acceptedView(done.record));
}

export function queryRoutes(app: App, service: QueryService) {
  app.post(
    '/v1/query/sql',
    {
      config: execute,
      schema: { tags, summary: 'Run SQL on a dataset as a job (202); `Prefer: wait=N` answers 200 with the result when done in time', headers: PreferHeaders, body: SqlBody, response: { 200: QueryView, 202: Accepted } },
    },
    async (request, reply) => {
      const wait = preferredWait(request.headers.prefer);
      const done = await service.submitSql(principalOf(request), { sql: request.body.sql, datasetId: request.body.dataset_id }, wait * 1000);
      return queryResponse(reply, done, wait);
    },
  );

  app.post(
    '/v1/query/validate',
    { config: { auth: 'either', permission: 'query.execute' }, schema: { tags, summary: 'Dry run: the guard verdict and the masking plan you would get, without executing', body: SqlBody, response: { 200: ValidationView } } },
    async (request) => {
      const actor = principalOf(request);
      const { dataset, plan } = await service.validate(actor, { sql: request.body.sql, datasetId: request.body.dataset_id });
      return validationView(plan, dataset, actor.role);
    },
  );

  app.get('/v1/query/history', { config: read, schema: { tags, summary: 'Your queries, newest first (approvers and admins: the organization\'s)', querystring: PageQuery, response: { 200: History } } }, async (request) => {
    const before = request.query.cursor ? decodeCursor<{ t: string; id: string }>(request.query.cursor, ['t', 'id']) : undefined;
    const found = await service.history(principalOf(request), request.query.limit + 1, before);
    const page = found.slice(0, request.query.limit);
    const last = page[page.length - 1];
    return { queries: page.map(summaryView), next_cursor: found.length > page.length && last ? encodeCursor({ t: last.createdAt.toISOString(), id: last.id }) : null };
  });

  app.get('/v1/query/:query_id', { config: read, schema: { tags, summary: 'A query: its state, and its masked rows once done', params: QueryParams, response: { 200: QueryView } } }, async (request) =>
    queryView(await service.get(principalOf(request), request.params.query_id)),
  );

  app.delete(
    '/v1/query/:query_id',
    { config: { auth: 'either', permission: 'query.execute' }, schema: { tags, summary: 'Cancel a pending or running query (stops it on the database)', params: QueryParams, response: { 200: QueryView } } },
    async (request) => queryView(await service.cancel(principalOf(request), request.params.query_id)),
  );
}
