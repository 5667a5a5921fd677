import { connect } from 'node:net';

const CANCEL_REQUEST_CODE = 80877102;

/**
 * The protocol's CancelRequest (what libpq's PQcancel sends): a new connection carrying the
 * backend's process id and secret key. The server checks no credentials for it but needs the
 * secret, and it reaches a backend even when the pool is exhausted — pg_cancel_backend would need a
 * free connection. Resolves when the server closes the socket (or after `timeoutMs`).
 */
export function sendCancelRequest(host: string, port: number, processId: number, secretKey: number, timeoutMs = 2000): Promise<void> {
  return new Promise((resolve) => {
    const packet = Buffer.alloc(16);
    packet.writeInt32BE(16, 0);
    packet.writeInt32BE(CANCEL_REQUEST_CODE, 4);
    // Drivers hand these out signed or unsigned; the wire wants the same 32 bits either way.
    packet.writeUInt32BE(processId >>> 0, 8);
    packet.writeUInt32BE(secretKey >>> 0, 12);
    const socket = connect({ host, port });
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    socket.once('connect', () => socket.end(packet));
    socket.once('close', done);
    socket.once('error', done);
  });
}
