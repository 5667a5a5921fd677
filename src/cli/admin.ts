import type { Command } from 'commander';
import { fail, withApp } from './shared.js';

const ROLES = ['viewer', 'analyst', 'approver', 'admin'];

async function readStdinPassword(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** `aureus admin …`: operator commands against the configured store. */
export function registerAdminCommands(program: Command): void {
  const admin = program.command('admin').description('Operator commands against the configured metadata store');
  admin
    .command('create-user')
    .description('Create a user; prints a generated password once unless --password-stdin is given')
    .requiredOption('--email <email>', 'sign-in email')
    .requiredOption('--role <role>', ROLES.join(', '))
    .option('--team <team>', 'team, for team-scoped trails and row filters')
    .option('--name <name>', 'full name')
    .option('--organization <name>', 'organization; created when it does not exist (default: the first one)')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (o: { email: string; role: string; team?: string; name?: string; organization?: string; passwordStdin?: boolean }) => {
      if (!ROLES.includes(o.role)) fail(`--role must be one of ${ROLES.join(', ')}`, 2);
      const password = o.passwordStdin ? await readStdinPassword() : undefined;
      const created = await withApp(async (app) => {
        const { users } = app.modules.identity;
        const { slugify } = await import('../modules/identity/users.js');
        const slug = slugify(o.organization ?? app.config.bootstrap.organization);
        const organizationId = (await users.organizationBySlug(slug))?.id ?? (await users.createOrganization(o.organization as string, 'free'));
        return users.create(null, organizationId, { email: o.email, role: o.role as 'viewer', team: o.team ?? null, fullName: o.name ?? '', ...(password !== undefined ? { password } : {}) });
      }).catch((err: Error) => fail(err.message));
      process.stdout.write(`Created ${created.user.role} ${created.user.email} (${created.user.id}).\n`);
      if (created.password) process.stdout.write(`Password (shown once): ${created.password}\n`);
    });
  admin
    .command('reset-password')
    .description('Set a new password (generated and printed once, or from stdin) and end every session')
    .requiredOption('--email <email>', 'the user')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (o: { email: string; passwordStdin?: boolean }) => {
      const password = o.passwordStdin ? await readStdinPassword() : undefined;
      const result = await withApp((app) => app.modules.identity.users.resetPassword(o.email, password)).catch((err: Error) => fail(err.message));
      process.stdout.write(o.passwordStdin ? `Password of ${o.email} changed; every session ended.\n` : `New password of ${o.email} (shown once): ${result.password}\n`);
    });
  admin
    .command('kill-switch')
    .description('Turn the kill switch on or off (every instance follows within a second)')
    .argument('<state>', 'on or off')
    .option('--reason <text>', 'why, recorded in the audit trail')
    .action(async (state: string, options: { reason?: string }) => {
      if (state !== 'on' && state !== 'off') fail('kill-switch takes "on" or "off"', 2);
      const result = await withApp((app) =>
        app.modules.admin.service.killSwitch.set(state === 'on', { userId: null, organizationId: null, via: 'cli' }, options.reason),
      ).catch((err: Error) => fail(err.message));
      process.stdout.write(`Kill switch is ${result.on ? 'ON' : 'off'}${result.forced ? ' (forced by KILL_SWITCH)' : ''}.\n`);
    });
}
