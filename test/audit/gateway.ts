// A real gateway process for the audit crash tests: unlike the harness's startGatewayProcess, the
// state (data dir or database) outlives the process, so a killed gateway can be started again on it.
import { join } from 'node:path';
import { expect } from 'vitest';
import { ROOT, startChild } from '../harness/process.js';

export const GATEWAY_ADMIN = { email: 'admin@aureus.local', password: 'crash-test-admin-password-1' };

export interface Gateway {
  address: string;
  child: Awaited<ReturnType<typeof startChild>>['child'];
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  /** The last log lines, for failure messages. */
  tail(lines?: number): string;
  kill(): Promise<void>;
}

/**
 * Starts `test/fixtures/serve-with-test-routes.ts` on `vars`. After a SIGKILL the embedded store's
 * lock file stays until it goes stale (10 s), so a start that finds it locked is retried.
 */
export async function startGateway(vars: Record<string, string>, deadlineMs = 60_000): Promise<Gateway> {
  const until = Date.now() + deadlineMs;
  const env = { ENVIRONMENT: 'test', PORT: '0', LOG_LEVEL: 'warn', ADMIN_PASSWORD: GATEWAY_ADMIN.password, ...vars };
  for (;;) {
    try {
      const started = await startChild([join(ROOT, 'bin/run-ts.js'), 'test/fixtures/serve-with-test-routes.ts'], { ...env, LOG_LEVEL: 'info' }, /"process\.ready"/, 60_000);
      const ready = started.output.stdout.split('\n').find((l) => l.includes('"process.ready"')) as string;
      return {
        address: (JSON.parse(ready) as { address: string }).address,
        child: started.child,
        exited: started.exited,
        tail: (lines = 30) => `${started.output.stdout}\n${started.output.stderr}`.split('\n').slice(-lines).join('\n'),
        async kill() {
          if (started.child.exitCode === null && started.child.signalCode === null) started.child.kill('SIGKILL');
          await started.exited;
        },
      };
    } catch (err) {
      if (!/Another Aureus process is using the embedded store/.test((err as Error).message) || Date.now() > until) throw err;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

export async function loginGatewayAdmin(g: Gateway): Promise<{ authorization: string; organizationId: string }> {
  const response = await fetch(`${g.address}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(GATEWAY_ADMIN) });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { access_token: string; user: { organization_id: string } };
  return { authorization: `Bearer ${body.access_token}`, organizationId: body.user.organization_id };
}

/**
 * `workers` loops posting audit appends until `stop()`; returns the ids of events whose request got
 * a 2xx. Failures (the process or the database going away) are expected and ignored.
 */
export function appendLoad(address: string, organizationId: string, workers = 8) {
  const acked: string[] = [];
  let failed = 0;
  let running = true;
  const loops = Array.from({ length: workers }, async (_, w) => {
    for (let n = 0; running; n++) {
      try {
        const response = await fetch(`${address}/test/audit-append`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ organization_id: organizationId, n: w * 1_000_000 + n }) });
        if (response.status === 201) acked.push(((await response.json()) as { id: string }).id);
        else failed++;
      } catch {
        failed++;
        // The server is gone or restarting; do not spin.
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  });
  return {
    acked,
    failed: () => failed,
    async stop(): Promise<void> {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** Waits until everything is sealed and verified, then checks every acknowledged event is in the log. */
export async function expectAllSealed(g: Gateway, acked: readonly string[]): Promise<void> {
  const admin = await loginGatewayAdmin(g);
  const headers = { authorization: admin.authorization };
  await expect.poll(async () => {
    const r = (await (await fetch(`${g.address}/v1/audit/verify`, { headers })).json()) as { ok: boolean; unsealed: number };
    return r.ok && r.unsealed === 0;
  }, { timeout: 60_000, interval: 250 }).toBe(true);
  const sealed = new Map<string, number | null>();
  for (let page = 1; ; page++) {
    const body = (await (await fetch(`${g.address}/v1/audit/trail?event_type=test.append&page_size=100&page=${page}`, { headers })).json()) as { events: { event_id: string; seq: number | null }[] };
    for (const e of body.events) sealed.set(e.event_id, e.seq);
    if (body.events.length < 100) break;
  }
  const missing = acked.filter((id) => !sealed.has(id));
  expect(missing, 'acknowledged events missing after the crash').toEqual([]);
  expect(acked.filter((id) => sealed.get(id) === null), 'acknowledged events never sealed').toEqual([]);
  const verified = (await (await fetch(`${g.address}/v1/audit/verify`, { headers })).json()) as { ok: boolean; tree_size: number };
  expect(verified).toMatchObject({ ok: true });
  expect(verified.tree_size).toBeGreaterThanOrEqual(acked.length);
}
