import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import pino from 'pino';
import type { AuditModule, VerifyReport } from '../modules/audit/index.js';
import { fail, loadConfigOrExit } from './shared.js';

/** Opens the configured store and the audit module (no sealer, no server) for one command. */
async function withAudit<T>(fn: (audit: AuditModule) => Promise<T>): Promise<T> {
  const { createAuditModule } = await import('../modules/audit/index.js');
  const { DataDirLockedError, openMetadataStore } = await import('../platform/db/index.js');
  const config = loadConfigOrExit();
  const logger = pino({ level: 'error' }, pino.destination(2));
  let db;
  try {
    db = await openMetadataStore(config, logger);
  } catch (err) {
    if (err instanceof DataDirLockedError) fail(err.message);
    throw err;
  }
  try {
    return await fn(await createAuditModule({ db, config, logger }));
  } catch (err) {
    // A store that was never migrated, an unreadable key: one line, no stack.
    return fail((err as Error).message);
  } finally {
    await db.close();
  }
}

function printReport(report: VerifyReport, format: string): void {
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify({ ...report, first_bad_seq: report.problem?.seq ?? null }, null, 2)}\n`);
    return;
  }
  const range = report.treeSize > report.firstSeq ? `seq ${report.firstSeq}–${report.treeSize - 1}` : 'none';
  if (report.ok) {
    process.stdout.write(`OK: the audit log verifies: ${report.treeSize} events (${range}), ${report.checkpointsVerified} signed checkpoints, ${report.unsealed} waiting to be sealed.\n`);
    return;
  }
  const first = report.problem;
  process.stdout.write(`FAIL: first bad sequence number ${first?.seq}: ${first?.kind}: ${first?.message}\n`);
  for (const p of report.problems.slice(1)) process.stdout.write(`  also seq ${p.seq}: ${p.kind}: ${p.message}\n`);
}

/** `aureus audit …`: verify the sealed log, print the newest checkpoint or the public key. */
export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('The tamper-evident audit log');
  audit
    .command('verify')
    .description('Rebuild every leaf and root from the stored events, check every checkpoint; exit 0 when intact, 1 naming the first bad sequence number')
    .option('--from-checkpoint <file>', 'a checkpoint saved earlier (aureus audit checkpoint): also catches rollbacks and forks')
    .option('--format <format>', 'text or json', 'text')
    .action(async (o: { fromCheckpoint?: string; format: string }) => {
      if (o.format !== 'text' && o.format !== 'json') fail('--format must be text or json', 2);
      let trusted: string | undefined;
      if (o.fromCheckpoint !== undefined) {
        try {
          trusted = readFileSync(o.fromCheckpoint, 'utf8');
        } catch (err) {
          fail(`cannot read ${o.fromCheckpoint}: ${(err as Error).message}`, 2);
        }
      }
      const report = await withAudit((a) => a.reader.verify(trusted));
      printReport(report, o.format);
      process.exitCode = report.ok ? 0 : 1;
    });
  audit
    .command('checkpoint')
    .description('Print the newest signed checkpoint; keep it to verify against later with --from-checkpoint')
    .action(async () => {
      const [latest] = await withAudit((a) => a.reader.checkpoints(1));
      if (!latest) fail('no checkpoint has been issued yet');
      process.stdout.write(latest.note);
    });
  audit
    .command('public-key')
    .description('Print the public key (PEM) that verifies checkpoints and evidence packs')
    .action(async () => {
      const key = await withAudit(async (a) => a.reader.publicKey());
      process.stdout.write(`# origin ${key.origin}, key id ${key.keyId}\n${key.pem}`);
    });
}
