import type { Socket } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { startGatewayTestBed, type GatewayTestBed } from './gateway-test-bed';
import { idleConnection } from './idle-connection';
import { systemTls } from './system-tls';

jest.setTimeout(90_000);

/**
 * Issue 6's limits besides the body size (413, test/e2e): request headers at most 16 KiB, a request that must
 * arrive whole within GATEWAY_CLIENT_TIMEOUT (here 2 s: a slow client cannot hold a connection by trickling bytes),
 * and at most GATEWAY_MAX_CONNECTIONS open connections (here 3). Each refusal that still reaches HTTP is a problem
 * with a stable code.
 */
describe('gateway: header size, slow clients, connection count', () => {
  let bed: GatewayTestBed;
  const open: TLSSocket[] = [];

  beforeAll(async () => {
    bed = await startGatewayTestBed('limits', undefined, {
      GATEWAY_CLIENT_TIMEOUT: '2s',
      GATEWAY_MAX_CONNECTIONS: '3',
    });
  });

  afterEach(() => {
    for (const socket of open.splice(0)) socket.destroy();
  });

  afterAll(async () => {
    await bed?.close();
  });

  /** A mutual-TLS connection as psc/front-office; resolves once the handshake is done, or with the error. */
  function tlsConnection(): Promise<TLSSocket> {
    return new Promise((resolve, reject) => {
      const socket = connect(systemTls(bed, 'psc/front-office'), () => resolve(socket));
      open.push(socket);
      socket.once('error', reject);
      socket.once('close', () => reject(new Error('closed before the handshake completed')));
    });
  }

  /** Everything the gateway sends until it closes the connection, and when it closed (ms after `since`). */
  function untilClosed(socket: TLSSocket, since: number): Promise<{ text: string; afterMs: number }> {
    return new Promise((resolve) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve({ text, afterMs: Date.now() - since }));
    });
  }

  function problemOf(text: string): { status: string; type: string; body: Record<string, unknown> } {
    const [head = '', body = ''] = text.split('\r\n\r\n');
    const type = /^content-type: (.*)$/im.exec(head)?.[1] ?? '';
    return { status: head.split('\r\n')[0] ?? '', type, body: JSON.parse(body) as Record<string, unknown> };
  }

  it('answers headers over 16 KiB with 431 and a problem whose code is request_invalid, and closes', async () => {
    const socket = await tlsConnection();
    const closed = untilClosed(socket, Date.now());
    socket.write(`GET /r1/catalog HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(20 * 1024)}\r\n\r\n`);
    const problem = problemOf((await closed).text);
    expect(problem.status).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(problem.type).toBe('application/problem+json');
    expect(problem.body).toMatchObject({ status: 431, code: 'request_invalid' });
  });

  it('answers bytes that are not HTTP/1.1 with 400 and a problem whose code is request_invalid, and closes', async () => {
    const socket = await tlsConnection();
    const closed = untilClosed(socket, Date.now());
    socket.write('HELLO THERE\r\n\r\n');
    const problem = problemOf((await closed).text);
    expect(problem.status).toBe('HTTP/1.1 400 Bad Request');
    expect(problem.type).toBe('application/problem+json');
    expect(problem.body).toMatchObject({ status: 400, code: 'request_invalid' });
    // Nothing of the parser's internals (error codes, offsets) reaches the client.
    expect(JSON.stringify(problem.body)).not.toMatch(/HPE_|bytesParsed|rawPacket/);
  });

  it('answers a client that trickles its headers slower than the client timeout with 408 and closes', async () => {
    const socket = await tlsConnection();
    const started = Date.now();
    const closed = untilClosed(socket, started);
    socket.write('GET /r1/catalog HTTP/1.1\r\nHost: x\r\n');
    // One header every 300 ms: the connection is never idle, so only the whole-request deadline can end it.
    const trickle = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 300);
    const { text, afterMs } = await closed;
    clearInterval(trickle);
    const problem = problemOf(text);
    expect(problem.status).toBe('HTTP/1.1 408 Request Timeout');
    expect(problem.body).toMatchObject({ status: 408, code: 'request_invalid' });
    // Ended by the 2 s deadline (checked every second), long before the trickle would have finished anything.
    expect(afterMs).toBeGreaterThanOrEqual(1900);
    expect(afterMs).toBeLessThan(15_000);
  });

  it('serves a request whose client is slow but within the timeout', async () => {
    const socket = await tlsConnection();
    const closed = untilClosed(socket, Date.now());
    socket.write('GET /r1/catalog HTTP/1.1\r\nHost: x\r\n');
    await new Promise((r) => setTimeout(r, 500));
    socket.write('Connection: close\r\n\r\n');
    expect((await closed).text.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
  });

  it('refuses connections beyond GATEWAY_MAX_CONNECTIONS, and accepts again once one closes', async () => {
    const held = [await tlsConnection(), await tlsConnection(), await tlsConnection()];
    await expect(tlsConnection()).rejects.toThrow();
    held[0]?.destroy();
    // The server counts the closed connection out asynchronously: retry briefly.
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await tlsConnection();
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
});

/**
 * A host that opens TCP connections and never starts TLS must not lock the systems out: the gateway drops a
 * connection whose handshake is not done within GATEWAY_HANDSHAKE_TIMEOUT (here 1 s; Node's default is 120 s), and
 * one address holds at most GATEWAY_MAX_CONNECTIONS_PER_ADDRESS (here 2) of the GATEWAY_MAX_CONNECTIONS (here 4),
 * counted from the TCP accept, before any certificate. The other "hosts" are other loopback addresses (127.0.0.2,
 * 127.0.0.3: Linux routes all of 127/8 to lo).
 */
describe('gateway: connections that never complete a handshake', () => {
  let bed: GatewayTestBed;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    bed = await startGatewayTestBed('handshake-limits', undefined, {
      GATEWAY_MAX_CONNECTIONS: '4',
      GATEWAY_MAX_CONNECTIONS_PER_ADDRESS: '2',
      GATEWAY_HANDSHAKE_TIMEOUT: '1s',
    });
  });

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.destroy();
  });

  afterAll(async () => {
    await bed?.close();
  });

  /** An idle connection from `from` to the bed's gateway, closed after the test. */
  async function idle(from: string): Promise<{ closed: Promise<string> }> {
    const { hostname, port } = new URL(bed.gateway.url);
    const idle = await idleConnection(Number(port), from, hostname);
    sockets.push(idle.socket);
    return idle;
  }

  /** A mutual-TLS handshake as psc/front-office from 127.0.0.1: resolves true when it completes. */
  function handshake(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect(systemTls(bed, 'psc/front-office'), () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
      socket.once('close', () => resolve(false));
    });
  }

  async function refusedCount(): Promise<number> {
    const text = await (await fetch(`${bed.gateway.opsUrl}/metrics`)).text();
    return Number(/^kopir_gateway_connections_refused_total (\d+)/m.exec(text)?.[1] ?? 'NaN');
  }

  // First, on a gateway with no connection yet: each test's connections are counted out asynchronously when closed.
  it('drops connections that do not complete a handshake in time, so the slots they held serve systems again', async () => {
    const held = [await idle('127.0.0.2'), await idle('127.0.0.2'), await idle('127.0.0.3'), await idle('127.0.0.3')];
    // All GATEWAY_MAX_CONNECTIONS are held by hosts that never started TLS: a system is refused.
    expect(await handshake()).toBe(false);
    // The gateway closes them after the handshake timeout (with Node's default this would take two minutes).
    await Promise.all(held.map((h) => h.closed));
    const deadline = Date.now() + 10_000;
    while (!(await handshake())) {
      if (Date.now() > deadline) throw new Error('no handshake possible after the idle connections were dropped');
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  it('closes a third idle connection from one address at once, while a system from another address gets in', async () => {
    const before = await refusedCount();
    await idle('127.0.0.2');
    await idle('127.0.0.2');
    const third = await idle('127.0.0.2');
    expect(await third.closed).toBe(''); // closed before TLS: not one byte of a handshake
    expect(await handshake()).toBe(true);
    expect(await refusedCount()).toBe(before + 1);
  });
});
