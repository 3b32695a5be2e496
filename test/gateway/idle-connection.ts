import { connect, type Socket } from 'node:net';

/**
 * A TCP connection from local address `from` (any of 127/8 on Linux) to a TLS server, that never sends a byte: what
 * a host holding connection slots without starting a handshake does. Resolves once connected; `closed` resolves with
 * what the server sent before it closed the connection (nothing, if it never started TLS).
 */
export async function idleConnection(
  port: number,
  from: string,
  host = '127.0.0.1',
): Promise<{ socket: Socket; closed: Promise<string> }> {
  const socket = connect({ host, port, localAddress: from });
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(received)));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return { socket, closed };
}
