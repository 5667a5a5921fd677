import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../../config/index.js';
import type { App } from '../../http/server.js';
import type { Db } from '../../platform/db/index.js';
import type { Metrics } from '../../platform/metrics.js';
import type { JobQueue } from '../../platform/queue/index.js';
import { createEvidenceService } from './evidence-service.js';
import { resolveAuditKeys } from './keyring.js';
import { auditHealthCheck, registerAuditMetrics } from './observe.js';
import { createAuditReader } from './reader.js';
import { runRetention } from './retention.js';
import { auditRoutes } from './routes.js';
import { createSealer } from './sealer.js';
import { createAuditService } from './service.js';
import { type EvidenceStore, createLocalStore } from './store-local.js';
import { createS3Client, createS3Store } from './store-s3.js';

export type { AuditRows, AuditService } from './service.js';
export { eventRow, securityRow } from './service.js';
export type { AuditEvent, SecurityEvent, Outcome, Severity } from './schemas.js';
export type { EvidenceInput, EvidenceReceipt } from './evidence-service.js';
export type { VerifyReport } from './verification.js';
export type { Problem, ProblemKind } from './classify.js';
export type { EvidenceStore } from './store-local.js';
export { EvidenceConflictError, createLocalStore } from './store-local.js';
export { createS3Store } from './store-s3.js';

/** Daily, off the hour: retention drops whole sealed ranges older than AUDIT_RETENTION_DAYS. */
export const RETENTION_JOB = 'audit.retention';
const RETENTION_CRON = '17 3 * * *';
const UPLOAD_EVERY_MS = 1_000;

export interface AuditDeps {
  db: Db;
  config: Pick<Config, 'audit' | 's3' | 'dataDir'>;
  logger: Logger;
  queue?: JobQueue;
  /** Another write-once store (tests: an S3 client on a local emulator). */
  store?: EvidenceStore;
}

export async function createAuditModule(deps: AuditDeps) {
  const { db, config, logger } = deps;
  const keys = await resolveAuditKeys(db, config.audit.signingKey);
  const store =
    deps.store ??
    (config.s3
      ? createS3Store({ client: createS3Client(config.s3), bucket: config.s3.bucket, retentionDays: config.audit.retentionDays })
      : createLocalStore(join(config.dataDir, 'evidence')));
  const evidence = createEvidenceService({ db, keys, store, logger });
  const sealer = createSealer({ db, keys, logger, checkpointIntervalMs: config.audit.checkpointIntervalMs });
  let onReport: ((failed: boolean) => void) | undefined;
  const reader = createAuditReader({ db, keys, store, onReport: (r) => onReport?.(!r.ok) });
  /** Runs retention as of now (or of `asOf`, epoch ms: what an operator replaying a missed day passes). */
  const retention = (asOf?: number) => runRetention({ db, keys, retentionDays: config.audit.retentionDays, logger, ...(asOf === undefined ? {} : { now: () => asOf }) });
  deps.queue?.handle(RETENTION_JOB, () => retention());

  let uploader: NodeJS.Timeout | undefined;
  let uploading: Promise<unknown> = Promise.resolve();
  const upload = () => {
    uploading = evidence.drainOutbox().catch((err: Error) => logger.warn({ err_message: err.message }, 'audit.evidence_upload_failed'));
  };

  return {
    service: createAuditService(evidence),
    reader,
    sealer,
    evidence,
    store,
    keys,
    retention,
    routes: (app: App) => auditRoutes(app, reader, store.kind, store.locate),
    healthCheck: auditHealthCheck({ db, sealer, checkpointIntervalMs: config.audit.checkpointIntervalMs }),
    registerMetrics(metrics: Metrics) {
      const failures = registerAuditMetrics(metrics, { db, sealer });
      onReport = (failed) => failed && failures.inc();
    },
    /** Starts sealing, copying evidence to the store, and the retention schedule. */
    async start(): Promise<void> {
      sealer.start();
      uploader = setInterval(upload, UPLOAD_EVERY_MS);
      uploader.unref();
      await deps.queue?.schedule(RETENTION_JOB, RETENTION_CRON);
    },
    /** Seals what is committed, checkpoints it, stores pending evidence, then stops. */
    async close(): Promise<void> {
      clearInterval(uploader);
      await uploading;
      await sealer.stop();
      await evidence.drainOutbox().catch(() => undefined);
    },
  };
}

export type AuditModule = Awaited<ReturnType<typeof createAuditModule>>;
