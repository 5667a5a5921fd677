import { Command } from 'commander';
import { registerAdminCommands } from './cli/admin.js';
import { registerAuditCommands } from './cli/audit.js';
import { registerEvalCommand } from './cli/eval.js';
import { registerGuardCommand } from './cli/guard.js';
import { VERSION } from './version.js';

// Commands import what they need when they run, so `aureus guard check` in a CI pipeline does not
// pay for loading the server, the database drivers and the queue.
const program = new Command('aureus').description('Aureus: governed data access for people and AI agents').version(VERSION);

const serve = (role: 'all' | 'api' | 'worker') => async () => (await import('./cli/serve.js')).serve(role);
program.command('start').description('API and worker in one process (embedded defaults when unconfigured)').action(serve('all'));
program.command('api').description('HTTP API only (stateless; run N behind a load balancer)').action(serve('api'));
program.command('worker').description('Job worker only: queued queries, LLM calls, scheduled jobs').action(serve('worker'));
program
  .command('migrate')
  .description('Apply pending database migrations')
  .action(async () => (await import('./cli/migrate.js')).runMigrate());
registerAdminCommands(program);
registerAuditCommands(program);
registerGuardCommand(program);
registerEvalCommand(program);

await program.parseAsync(process.argv);
