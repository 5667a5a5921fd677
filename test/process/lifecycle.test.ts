import { describe, expect, it } from 'vitest';

// Real processes each start a runtime and an embedded database: slow on a loaded 2-core machine.
const SLOW = { timeout: 120_000 };
import { startGatewayProcess } from '../harness/server-process.js';

describe('process lifecycle (real process, real HTTP)', () => {
  it('completes an in-flight request during SIGTERM, refuses new connections, exits 0', SLOW, async () => {
    const gateway = await startGatewayProcess({ TEST_SLOW_MS: '1500', SHUTDOWN_TIMEOUT_MS: '10000' });
    try {
      const inFlight = fetch(`${gateway.address}/test/slow`);
      await new Promise((r) => setTimeout(r, 300));
      gateway.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 200));
      await expect(fetch(`${gateway.address}/health/live`)).rejects.toThrow();
      const response = await inFlight;
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ done: true });
      const [code] = await gateway.exited;
      expect(code).toBe(0);
      const messages = gateway.lines().map((l) => l.msg);
      expect(messages).toEqual(expect.arrayContaining(['process.shutting_down', 'process.stopped']));
    } finally {
      await gateway.cleanup();
    }
  });

  it('exits at once on a second signal', SLOW, async () => {
    const gateway = await startGatewayProcess({ TEST_SLOW_MS: '20000', SHUTDOWN_TIMEOUT_MS: '30000' });
    try {
      void fetch(`${gateway.address}/test/slow`).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 300));
      const started = Date.now();
      gateway.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 200));
      gateway.child.kill('SIGINT');
      const [code] = await gateway.exited;
      expect(code).toBe(1);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await gateway.cleanup();
    }
  });

  it('logs an uncaught error once and exits non-zero after a bounded drain', SLOW, async () => {
    const gateway = await startGatewayProcess();
    try {
      const response = await fetch(`${gateway.address}/test/crash`);
      expect(response.status).toBe(200);
      const [code] = await gateway.exited;
      expect(code).toBe(1);
      const crashed = gateway.lines().filter((l) => l.msg === 'process.crashed');
      expect(crashed).toHaveLength(1);
      expect(crashed[0]).toMatchObject({ level: 'fatal', err_type: 'Error', err_message: 'unexpected failure outside a request' });
    } finally {
      await gateway.cleanup();
    }
  });
});
