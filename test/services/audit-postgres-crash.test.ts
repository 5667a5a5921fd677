// PostgreSQL stopped immediately (`pg_ctl stop -m immediate`: no shutdown checkpoint, WAL recovery
// on restart) under a real gateway appending audit events: every event whose request got a 2xx
// survives, the gateway recovers by itself, the sealer catches up and the log verifies.
//
// The shared test server cannot be stopped without breaking every other suite running against it,
// so this test initialises a private cluster of its own on a free loopback port and stops that.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { appendLoad, expectAllSealed, loginGatewayAdmin, startGateway } from '../audit/gateway.js';

function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const version = existsSync(root) ? readdirSync(root).sort().pop() : undefined;
  if (!version) throw new Error('PostgreSQL server binaries (initdb, pg_ctl) are needed for this test');
  return join(root, version, 'bin');
}

/** Runs a server binary as the postgres user when we are root (initdb refuses to run as root). */
function asPostgres(binary: string, args: string[]): void {
  const [command, prefix] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', binary]] : [binary, []];
  execFileSync(command as string, [...(prefix as string[]), ...args], { stdio: 'pipe', timeout: 60_000 });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('crash durability: PostgreSQL stopped immediately', () => {
  it('loses no acknowledged audit event, and the gateway and sealer recover by themselves', { timeout: 300_000 }, async () => {
    const bin = postgresBin();
    const dir = mkdtempSync(join(tmpdir(), 'aureus-pgcrash-'));
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
      chownSync(dir, uid, gid);
    }
    const data = join(dir, 'data');
    const port = await freePort();
    const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=on -c max_connections=40 -c shared_buffers=16MB`;
    const pgCtl = (...args: string[]) => asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), ...args]);
    asPostgres(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    pgCtl('-w', '-o', options, 'start');
    let gateway: Awaited<ReturnType<typeof startGateway>> | undefined;
    try {
      const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
      await admin.connect();
      await admin.query('CREATE DATABASE aureus_pgcrash_test');
      await admin.end();
      gateway = await startGateway({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/aureus_pgcrash_test`, AUDIT_CHECKPOINT_INTERVAL_MS: '200' });
      const { organizationId } = await loginGatewayAdmin(gateway);
      const load = appendLoad(gateway.address, organizationId);
      await expect.poll(() => load.acked.length, { timeout: 60_000, interval: 20 }).toBeGreaterThanOrEqual(150);

      pgCtl('-m', 'immediate', 'stop');
      const failuresAtStop = load.failed();
      await expect.poll(() => load.failed(), { timeout: 30_000, interval: 20 }).toBeGreaterThan(failuresAtStop);
      const ackedWhileDown = load.acked.length;
      pgCtl('-w', '-o', options, 'start');
      // The gateway's pool reconnects on its own: appends succeed again without a restart.
      await expect.poll(() => load.acked.length, { timeout: 60_000, interval: 50, message: gateway.tail() }).toBeGreaterThan(ackedWhileDown + 20);
      await load.stop();

      expect(gateway.child.exitCode).toBeNull();
      await expectAllSealed(gateway, [...load.acked]);
    } finally {
      await gateway?.kill();
      try {
        pgCtl('-m', 'immediate', 'stop');
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
