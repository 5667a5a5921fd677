import type { Logger } from 'pino';
import type { Config } from '../../config/index.js';
import type { Broadcast } from '../../platform/broadcast.js';
import type { Db } from '../../platform/db/index.js';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { AuditService } from '../audit/index.js';
import type { Guard } from '../guard/index.js';
import { type Principal, can } from '../identity/index.js';
import { DEMO_COUNTS } from './demo/generate.js';
import { DEMO_SCHEMA, DEMO_TABLES } from './demo/schema.js';
import { hostProblem, parseConnectionUrl } from './hosts.js';
import { type FilterInput, type TableInput, checkPolicy, invalid, normalizeFilters, normalizeTables } from './input.js';
import { introspect, roleWarnings } from './introspect.js';
import { relationSql } from './policy.js';
import * as repo from './repo.js';
import type { SecretBox } from './secret-box.js';
import { type TargetRegistry, targetAppError } from './targets/registry.js';
import { type RunRequest, type Target, TargetError, quoteIdent } from './targets/types.js';
import type { DatasetTable, StoredDataset } from './types.js';

/** Datasets are re-read at least this often; changes reach every instance at once by broadcast. */
const CACHE_MS = 5_000;
export const DEMO_NAME = 'loan_portfolio';

export interface DatasetInput {
  name?: string;
  description?: string;
  connection_url?: string;
  default_schema?: string;
  tables?: TableInput[];
  row_filters?: FilterInput[];
  max_rows?: number;
  statement_timeout_ms?: number;
  viewer_access?: boolean;
}

const CONNECT_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused', ENOTFOUND: 'host not found', ETIMEDOUT: 'timed out', EHOSTUNREACH: 'host unreachable',
  '28P01': 'authentication failed', '28000': 'authentication failed', '3D000': 'the database does not exist',
};

export interface DatasetServiceDeps {
  db: Db;
  audit: AuditService;
  guard: Guard;
  box: SecretBox;
  targets: TargetRegistry;
  broadcast: Broadcast;
  config: Pick<Config, 'query' | 'datasets'>;
  logger: Logger;
}

export function createDatasetService(deps: DatasetServiceDeps) {
  const cache = new Map<string, { dataset: StoredDataset; at: number }>();
  const limits = { maxRows: deps.config.query.maxRows, timeoutMs: deps.config.query.timeoutMs };
  deps.broadcast.subscribe((m) => {
    if (m.type === 'dataset_changed') cache.delete(m.datasetId);
  });

  async function byId(id: string): Promise<StoredDataset | undefined> {
    const hit = cache.get(id);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.dataset;
    const found = await repo.findDataset(deps.db, id);
    if (found) cache.set(id, { dataset: found, at: Date.now() });
    return found;
  }

  /** Another organization's dataset, or one not approved for a viewer, is not found. */
  async function visible(actor: Principal, id: string): Promise<StoredDataset> {
    const d = await byId(id);
    if (!d || d.organizationId !== actor.organizationId || (actor.role === 'viewer' && !d.viewerAccess)) throw new AppError('RESOURCE_NOT_FOUND', 'No such dataset.');
    return d;
  }

  /** Connects with the URL, reports what the role could do beyond reading, and checks the tables exist. */
  async function probe(url: string, defaultSchema: string, tables: DatasetTable[]): Promise<string[]> {
    const parsed = parseConnectionUrl(url);
    if (!parsed.ok) throw invalid('body/connection_url', parsed.problem);
    const problem = await hostProblem(parsed.value.host, deps.config.datasets.allowedHosts);
    if (problem) throw invalid('body/connection_url', problem);
    return deps.targets.probe(url, async (target: Target) => {
      const run = (r: RunRequest) => target.run(r, new AbortController().signal);
      let warnings: string[];
      try {
        warnings = await roleWarnings(run, defaultSchema);
      } catch (err) {
        const code = (err as TargetError).sqlState ?? '';
        throw invalid('body/connection_url', `Aureus could not connect to the database (${CONNECT_REASONS[code] ?? (err as Error).message})`);
      }
      for (const t of tables) {
        const sql = `SELECT ${t.columns.map((c) => quoteIdent(c.name)).join(', ')} FROM ${relationSql(t.name)} LIMIT 0`;
        await run({ sql, params: [], defaultSchema, timeoutMs: 10_000, maxRows: 1, maxBytes: 1024 }).catch((err: Error) => {
          throw invalid('body/tables', `${t.name}: ${err.message}`);
        });
      }
      return warnings;
    });
  }

  async function changed(id: string): Promise<void> {
    cache.delete(id);
    await deps.broadcast.publish({ type: 'dataset_changed', datasetId: id });
  }

  return {
    byId,
    forCaller: visible,

    async create(actor: Principal, input: DatasetInput & { name: string; connection_url: string }): Promise<StoredDataset> {
      const id = newId();
      const defaultSchema = input.default_schema ?? 'public';
      const draft = {
        id, defaultSchema, tables: normalizeTables(input.tables ?? [], defaultSchema), rowFilters: normalizeFilters(input.row_filters ?? [], defaultSchema),
        maxRows: input.max_rows ?? Math.min(1000, limits.maxRows), statementTimeoutMs: input.statement_timeout_ms ?? limits.timeoutMs,
      };
      checkPolicy(deps.guard, draft, limits);
      if (await repo.findDatasetByName(deps.db, actor.organizationId, input.name)) throw new AppError('CONFLICT', `A dataset named "${input.name}" already exists.`);
      const warnings = await probe(input.connection_url, defaultSchema, draft.tables);
      return deps.db.transaction(async (tx) => {
        const created = await repo.insertDataset(tx, {
          ...draft, organizationId: actor.organizationId, name: input.name, description: input.description ?? '', kind: 'postgres',
          connectionSealed: deps.box.seal('dataset-connection', input.connection_url, id), viewerAccess: input.viewer_access ?? false, warnings, createdBy: actor.userId,
        });
        await deps.audit.record(tx, {
          type: 'dataset.created', organizationId: actor.organizationId, userId: actor.userId, apiKeyId: actor.apiKeyId, resourceType: 'dataset', resourceId: id,
          details: { name: input.name, tables: draft.tables.length, row_filters: draft.rowFilters.length, warnings },
        });
        return created;
      });
    },

    async list(actor: Principal, limit: number, after?: { t: string; id: string }) {
      return repo.listDatasets(deps.db, { organizationId: actor.organizationId, viewerOnly: actor.role === 'viewer', limit, ...(after ? { after } : {}) });
    },

    get: visible,
    isAdmin: (actor: Principal) => can(actor.role, 'dataset.manage'),

    async update(actor: Principal, id: string, input: DatasetInput): Promise<StoredDataset> {
      const current = await visible(actor, id);
      const defaultSchema = input.default_schema ?? current.defaultSchema;
      const next = {
        id, defaultSchema,
        tables: input.tables ? normalizeTables(input.tables, defaultSchema, current.tables) : current.tables,
        rowFilters: input.row_filters ? normalizeFilters(input.row_filters, defaultSchema) : current.rowFilters,
        maxRows: input.max_rows ?? current.maxRows, statementTimeoutMs: input.statement_timeout_ms ?? current.statementTimeoutMs,
      };
      checkPolicy(deps.guard, next, limits);
      if (input.connection_url && current.kind === 'demo') throw invalid('body/connection_url', 'the demo dataset has no connection to change');
      if (input.name && input.name.toLowerCase() !== current.name.toLowerCase() && (await repo.findDatasetByName(deps.db, actor.organizationId, input.name))) {
        throw new AppError('CONFLICT', `A dataset named "${input.name}" already exists.`);
      }
      const warnings = input.connection_url ? await probe(input.connection_url, defaultSchema, next.tables) : undefined;
      const updated = await deps.db.transaction(async (tx) => {
        const saved = await repo.updateDataset(tx, id, {
          ...next, ...(input.name ? { name: input.name } : {}), ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.viewer_access !== undefined ? { viewerAccess: input.viewer_access } : {}), ...(warnings ? { warnings } : {}),
          ...(input.connection_url ? { connectionSealed: deps.box.seal('dataset-connection', input.connection_url, id) } : {}),
        });
        await deps.audit.record(tx, {
          type: 'dataset.updated', organizationId: actor.organizationId, userId: actor.userId, apiKeyId: actor.apiKeyId, resourceType: 'dataset', resourceId: id,
          details: { changed: Object.keys(input).sort(), version: saved.version },
        });
        return saved;
      });
      await changed(id);
      return updated;
    },

    async introspect(actor: Principal, id: string) {
      const d = await visible(actor, id);
      const run = (r: RunRequest) => deps.targets.run(d, r, new AbortController().signal);
      const tables = await introspect(run, d.defaultSchema, d.statementTimeoutMs).catch((err: unknown) => {
        throw err instanceof TargetError ? targetAppError(err) : err;
      });
      await deps.db.transaction(async (tx) => {
        await repo.recordRowCounts(tx, id, Object.fromEntries(tables.map((t) => [t.name, t.rowCount])));
        await deps.audit.record(tx, {
          type: 'dataset.introspected', organizationId: actor.organizationId, userId: actor.userId, apiKeyId: actor.apiKeyId, resourceType: 'dataset', resourceId: id,
          details: { tables: tables.length, pii_proposed: tables.reduce((n, t) => n + t.columns.filter((c) => c.pii).length, 0) },
        });
      });
      await changed(id);
      return tables;
    },

    /** Registers the demo loan portfolio in the first organization (idempotent; off in production by default). */
    async ensureDemo(): Promise<void> {
      if (!deps.config.datasets.demo) return;
      const { rows } = await deps.db.query<{ id: string }>('SELECT id FROM organizations ORDER BY created_at, id LIMIT 1');
      const organizationId = rows[0]?.id;
      if (!organizationId || (await repo.findDatasetByName(deps.db, organizationId, DEMO_NAME))) return;
      const id = newId();
      const tables = DEMO_TABLES.map((t) => ({
        name: `${DEMO_SCHEMA}.${t.name}`, rowCount: DEMO_COUNTS[t.name as keyof typeof DEMO_COUNTS],
        columns: t.columns.map((c) => ({ name: c.name, type: c.type, pii: Boolean(c.masking), masking: c.masking ?? null })),
      }));
      await deps.db.transaction(async (tx) => {
        await repo.insertDataset(tx, {
          id, organizationId, name: DEMO_NAME, description: 'Generated loan portfolio (customers with PII, loans, transactions, branches) for trying Aureus offline.',
          kind: 'demo', connectionSealed: null, defaultSchema: DEMO_SCHEMA, tables, rowFilters: [], maxRows: Math.min(1000, limits.maxRows),
          statementTimeoutMs: Math.min(10_000, limits.timeoutMs), viewerAccess: true, warnings: [], createdBy: null,
        });
        await repo.recordRowCounts(tx, id, Object.fromEntries(tables.map((t) => [t.name, t.rowCount])));
        await deps.audit.record(tx, { type: 'dataset.created', organizationId, resourceType: 'dataset', resourceId: id, details: { name: DEMO_NAME, kind: 'demo', via: 'bootstrap' } });
      }).catch((err: { code?: string }) => {
        // Another process registered it first.
        if (err.code !== '23505') throw err;
      });
    },
  };
}

export type DatasetService = ReturnType<typeof createDatasetService>;
