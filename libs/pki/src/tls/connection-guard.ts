import type { Server, Socket } from 'node:net';

/** How long a TLS handshake may take before the connection is dropped (Node's default is 120 s). */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * Caps the connections one remote address holds open on a TLS server. A connection counts from its TCP accept, before
 * any certificate is seen, so without a cap one host that opens sockets and never completes a handshake holds the
 * server's whole `maxConnections` budget (each for the handshake timeout) and every system is locked out. Over the
 * cap, a new connection is closed at once, before TLS, and `onRefused` is told (count it; a log line per refusal
 * would let the same host flood the log).
 *
 * Behind a load balancer that does not keep client addresses, every connection has the balancer's address: set the
 * cap to the server's maxConnections there.
 */
export function limitConnectionsPerAddress(
  server: Server,
  max: number,
  onRefused: (address: string) => void = () => undefined,
): void {
  const open = new Map<string, number>();
  server.prependListener('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '?';
    const count = open.get(address) ?? 0;
    if (count >= max) {
      socket.destroy();
      onRefused(address);
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
