import { connect, type TLSSocket } from 'node:tls';
import { PkiDirectory } from '@kopir/pki';
import { startGatewayTestBed, type GatewayTestBed } from './gateway-test-bed';
import { systemTls } from './system-tls';

jest.setTimeout(90_000);

interface Handshake {
  /** Whether the TLS layer resumed the session it was offered. */
  readonly resumed: boolean | undefined;
  /** The HTTP status line of GET /r1/catalog, or undefined when no HTTP answer came. */
  readonly status: string | undefined;
  /** The session ticket the gateway issued on this connection, to offer on the next one. */
  readonly session: Buffer | undefined;
}

/**
 * Issue 6 asks for TLS session resumption on. A returning system skips the certificate exchange and its signatures
 * (RFC 8446 §2.2), which must not let in a certificate that a full handshake would refuse: a CRL change voids every
 * ticket issued before it, so a revoked system that offers its old ticket meets a full handshake and the new CRL.
 */
describe('gateway: TLS session resumption', () => {
  let bed: GatewayTestBed;

  beforeAll(async () => {
    bed = await startGatewayTestBed('resumption');
  });

  afterAll(async () => {
    await bed?.close();
  });

  /** One connection as `system`, offering `session`; asks for the catalog, which names the caller's services. */
  function handshake(system: string, session?: Buffer): Promise<Handshake> {
    return new Promise((resolve) => {
      let issued: Buffer | undefined;
      let resumed: boolean | undefined;
      let answer = '';
      const socket: TLSSocket = connect({ ...systemTls(bed, system), session });
      socket.on('session', (ticket: Buffer) => (issued = ticket));
      socket.on('secureConnect', () => {
        resumed = socket.isSessionReused();
        socket.write('GET /r1/catalog HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
      });
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
      // A refused handshake ends in an alert or a reset: an error, then close. Either way the answer is what came.
      socket.on('error', () => undefined);
      socket.on('close', () =>
        resolve({ resumed, status: answer ? answer.split('\r\n')[0] : undefined, session: issued }),
      );
    });
  }

  async function handshakeCounts(): Promise<{ full: number; resumed: number }> {
    const text = await (await fetch(`${bed.gateway.opsUrl}/metrics`)).text();
    const count = (resumed: string): number =>
      Number(
        new RegExp(`^kopir_gateway_tls_handshakes_total\\{resumed="${resumed}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0,
      );
    return { full: count('false'), resumed: count('true') };
  }

  it('resumes a returning system’s session, identifies it as on a full handshake, and counts both kinds', async () => {
    const before = await handshakeCounts();
    const first = await handshake('psc/front-office');
    expect(first).toMatchObject({ resumed: false, status: 'HTTP/1.1 200 OK' });
    expect(first.session).toBeDefined();

    const second = await handshake('psc/front-office', first.session);
    expect(second).toMatchObject({ resumed: true, status: 'HTTP/1.1 200 OK' });

    const after = await handshakeCounts();
    expect(after.full - before.full).toBe(1);
    expect(after.resumed - before.resumed).toBe(1);
  });

  it('refuses at the handshake a system revoked after its ticket was issued, and makes every earlier ticket void', async () => {
    const revokedTicket = (await handshake('src/tax')).session;
    const keptTicket = (await handshake('psc/front-office')).session;
    expect(revokedTicket).toBeDefined();
    // Before the revocation the ticket works: what follows fails because of the CRL, not because of the ticket.
    expect(await handshake('src/tax', revokedTicket)).toMatchObject({ resumed: true, status: 'HTTP/1.1 200 OK' });

    await PkiDirectory.open(bed.pki).revoke('src/tax', { kind: 'system-tls' });
    // The gateway polls the CRL file every second; a new full handshake shows when the CRL is in force.
    const deadline = Date.now() + 20_000;
    while ((await handshake('src/tax')).status !== undefined) {
      if (Date.now() > deadline) throw new Error('the gateway did not load the new CRL');
      await new Promise((r) => setTimeout(r, 250));
    }

    // The old ticket resumes nothing: no HTTP answer at all, as for any revoked certificate.
    expect(await handshake('src/tax', revokedTicket)).toMatchObject({ status: undefined });
    // A system not revoked is served, after a full handshake: its ticket, too, died with the CRL change.
    expect(await handshake('psc/front-office', keptTicket)).toMatchObject({
      resumed: false,
      status: 'HTTP/1.1 200 OK',
    });
  });
});
