import type { Logger } from 'pino';
import type { Config } from '../../config/index.js';
import type { App } from '../../http/server.js';
import type { Broadcast } from '../../platform/broadcast.js';
import type { Db } from '../../platform/db/index.js';
import type { BreakerRegistry } from '../../platform/resilience.js';
import type { AuditService } from '../audit/index.js';
import type { Guard } from '../guard/index.js';
import { datasetRoutes } from './routes.js';
import { createSecretBox, resolveEncryptionKey } from './secret-box.js';
import { createDatasetService } from './service.js';
import { createTargetRegistry } from './targets/registry.js';

export type { DatasetService } from './service.js';
export type { SecretBox, KeyPurpose } from './secret-box.js';
export type { Dataset, StoredDataset, DatasetTable, DatasetColumn, MaskingKind, RowFilter } from './types.js';
export { MASKING_KINDS } from './types.js';
export type { RunRequest, RunResult, RunField } from './targets/types.js';
export { TargetError } from './targets/types.js';
export { policyOf, relationSql, PLACEHOLDER, type Claim } from './policy.js';
export { DEMO_NAME } from './service.js';
export { DEMO_TABLES, DEMO_READER_ROLE, demoSchemaSql, readerGrantsSql } from './demo/schema.js';
export { DEMO_COUNTS, demoDataSql } from './demo/generate.js';
export { proposePii, luhnValid, ibanValid, ssnValid } from './pii-detect.js';

export interface DatasetsDeps {
  db: Db;
  audit: AuditService;
  guard: Guard;
  breakers: BreakerRegistry;
  broadcast: Broadcast;
  config: Pick<Config, 'query' | 'datasets' | 'dataDir' | 'secrets'>;
  logger: Logger;
}

/**
 * The dataset registry and the execution layer under it: encrypted connections, one small pool and
 * breaker per dataset, the embedded demo, and `run` — the only way any SQL reaches a dataset.
 */
export async function createDatasetsModule(deps: DatasetsDeps) {
  const box = createSecretBox(await resolveEncryptionKey(deps.db, deps.config.secrets.encryptionKey));
  const targets = createTargetRegistry({
    box, breakers: deps.breakers, poolSize: deps.config.datasets.poolSize, allowedHosts: deps.config.datasets.allowedHosts, dataDir: deps.config.dataDir, logger: deps.logger,
  });
  const service = createDatasetService({ ...deps, box, targets });
  return {
    service,
    box,
    /** Runs a statement on a dataset: read-only transaction, caps, real cancellation, breaker. */
    run: targets.run,
    /** (table oid:column number) → "schema.table.column" for a dataset's tables. */
    origins: targets.origins,
    /**
     * When a process starts taking jobs: registers the demo dataset (idempotent; not on every
     * `aureus admin …` command) and, when asked, starts its engine in the background.
     */
    async start(options: { warmDemo: boolean }): Promise<void> {
      await service.ensureDemo();
      if (options.warmDemo && deps.config.datasets.demo) {
        void targets.warmDemo().catch((err: Error) => deps.logger.warn({ err_message: err.message }, 'demo.warm_failed'));
      }
    },
    routes: (app: App) => datasetRoutes(app, service),
    close: () => targets.close(),
  };
}

export type DatasetsModule = Awaited<ReturnType<typeof createDatasetsModule>>;
