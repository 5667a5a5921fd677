import { Command } from 'commander';
import { registerAdminCommands } from './cli/admin.js';
import { runMigrate } from './cli/migrate.js';
import { serve } from './cli/serve.js';
import { VERSION } from './version.js';

const program = new Command('aureus').description('Aureus: governed data access for people and AI agents').version(VERSION);

program.command('start').description('API and worker in one process (embedded defaults when unconfigured)').action(() => serve('all'));
program.command('api').description('HTTP API only (stateless; run N behind a load balancer)').action(() => serve('api'));
program.command('worker').description('Job worker only: queued queries, LLM calls, scheduled jobs').action(() => serve('worker'));
program.command('migrate').description('Apply pending database migrations').action(runMigrate);
registerAdminCommands(program);
registerGuardCommand(program);

await program.parseAsync(process.argv);
