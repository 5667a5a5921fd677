import { type Server, type Socket, createServer } from 'node:net';

export type ProxyMode = 'forward' | 'refuse' | 'hang';

/**
 * A loopback TCP proxy the tests put between Aureus and a dependency, to stop it (`refuse`: drop
 * every connection), hang it (`hang`: accept and forward nothing) and bring it back (`forward`).
 */
export interface TcpProxy {
  port: number;
  url(scheme: string): string;
  setMode(mode: ProxyMode): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: ProxyMode = 'forward';
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => undefined);
    if (mode === 'refuse') return void client.destroy();
    if (mode === 'hang') return;
    const upstream = new (client.constructor as typeof Socket)();
    open.add(upstream);
    upstream.on('close', () => open.delete(upstream));
    upstream.on('error', () => client.destroy());
    upstream.connect(target.port, target.host, () => {
      client.pipe(upstream);
      upstream.pipe(client);
    });
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: (scheme) => `${scheme}://127.0.0.1:${port}`,
    setMode(next) {
      mode = next;
      // Existing connections follow the new mode at once: cut them so clients reconnect.
      if (next !== 'forward') for (const s of open) s.destroy();
    },
    async close() {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
