/**
 * TrustStore (the gateway's and the audit service's mutual-TLS trust) checks a connection's certificate on every
 * request, not only at the handshake: a keep-alive connection must not outlive its certificate's expiry.
 */
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import type { SystemId } from '@kopir/contracts';
import {
  PkiDirectory,
  TrustStore,
  devPkiPaths,
  generateKeyPair,
  initDevPki,
  issueCertificate,
  privateKeyToPem,
} from '@kopir/pki';

jest.setTimeout(30_000);

describe('TrustStore.identify on a keep-alive connection', () => {
  let dir: string;
  let trust: TrustStore;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kopir-trust-'));
    await initDevPki(dir, { systems: ['psc/front-office'], kafkaClients: [] });
    const paths = devPkiPaths(dir);
    trust = await TrustStore.open({
      cert: paths.gateway.cert,
      key: paths.gateway.key,
      ca: paths.chain,
      crl: paths.crl,
      minVersion: 'TLSv1.3',
      logger: { log: () => undefined, warn: () => undefined },
    });
    // Answers who the connection is, or 401 with the refusal's code.
    server = createServer({ ...trust.secureContextOptions(), keepAliveTimeout: 20_000 }, (req, res) => {
      try {
        const identity = trust.identify(req.socket as TLSSocket);
        res.end(identity.kind === 'system' ? identity.system : identity.kind);
      } catch (error) {
        res.statusCode = 401;
        res.end((error as { code?: string }).code ?? 'error');
      }
    });
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    trust?.close();
    await new Promise((resolve) => server?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses the next request on an open connection once the certificate has expired', async () => {
    const paths = devPkiPaths(dir);
    const { privateKey } = generateKeyPair('P-256');
    const notAfter = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3000);
    const issued = await issueCertificate(
      PkiDirectory.open(dir).issuingCa,
      createPublicKey(privateKey),
      { kind: 'system-tls', system: 'psc/front-office' as SystemId },
      { notBefore: new Date(Date.now() - 60_000), notAfter },
    );
    const agent = new Agent({
      keepAlive: true,
      maxSockets: 1,
      cert: issued.pem,
      key: privateKeyToPem(privateKey),
      ca: readFileSync(paths.chain),
      servername: 'localhost',
    });
    const get = () =>
      new Promise<{ status: number; body: string; reused: boolean }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, reused: req.reusedSocket }));
        });
        req.on('error', reject);
        req.end();
      });
    try {
      expect(await get()).toEqual({ status: 200, body: 'psc/front-office', reused: false });
      await new Promise((r) => setTimeout(r, notAfter.getTime() - Date.now() + 500));
      // Same connection (no new handshake to refuse it), so only the per-request check stands in the way.
      expect(await get()).toEqual({ status: 401, body: 'client_certificate_invalid', reused: true });
    } finally {
      agent.destroy();
    }
  });
});
