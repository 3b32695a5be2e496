/**
 * TrustStore (the gateway's and the audit service's mutual-TLS trust) checks a connection's certificate on every
 * request, not only at the handshake: a keep-alive connection must not outlive its certificate's expiry, nor the CRL
 * it was checked against.
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

interface Bed {
  dir: string;
  trust: TrustStore;
  server: Server;
  port: number;
  /** The message of each refusal, in order. */
  refusals: string[];
}

/** A fresh dev PKI (after `prepare`, e.g. a short-lived CRL) and a TLS server answering who each request is. */
async function startBed(prepare: (dir: string) => Promise<void> = () => Promise.resolve()): Promise<Bed> {
  const dir = mkdtempSync(join(tmpdir(), 'kopir-trust-'));
  await initDevPki(dir, { systems: ['psc/front-office'], kafkaClients: [] });
  await prepare(dir);
  const paths = devPkiPaths(dir);
  const trust = await TrustStore.open({
    cert: paths.gateway.cert,
    key: paths.gateway.key,
    ca: paths.chain,
    crl: paths.crl,
    minVersion: 'TLSv1.3',
    logger: { log: () => undefined, warn: () => undefined },
  });
  // Answers who the connection is, or 401 with the refusal's code.
  const refusals: string[] = [];
  const server = createServer({ ...trust.secureContextOptions(), keepAliveTimeout: 20_000 }, (req, res) => {
    try {
      const identity = trust.identify(req.socket as TLSSocket);
      res.end(identity.kind === 'system' ? identity.system : identity.kind);
    } catch (error) {
      refusals.push((error as Error).message);
      res.statusCode = 401;
      res.end((error as { code?: string }).code ?? 'error');
    }
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { dir, trust, server, port: (server.address() as AddressInfo).port, refusals };
}

async function stopBed(bed: Bed | undefined): Promise<void> {
  if (!bed) return;
  bed.trust.close();
  await new Promise((resolve) => bed.server.close(resolve));
  rmSync(bed.dir, { recursive: true, force: true });
}

/** One GET over `agent` (keep-alive, one socket): status, body, and whether it went over the earlier connection. */
function get(bed: Bed, agent: Agent): Promise<{ status: number; body: string; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: bed.port, path: '/', agent }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, reused: req.reusedSocket }));
    });
    req.on('error', reject);
    req.end();
  });
}

const sleepUntil = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms - Date.now())));

describe('TrustStore.identify on a keep-alive connection', () => {
  let bed: Bed;

  beforeAll(async () => {
    bed = await startBed();
  });

  afterAll(() => stopBed(bed));

  it('refuses the next request on an open connection once the certificate has expired', async () => {
    const paths = devPkiPaths(bed.dir);
    const { privateKey } = generateKeyPair('P-256');
    const notAfter = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3000);
    const issued = await issueCertificate(
      PkiDirectory.open(bed.dir).issuingCa,
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
    try {
      expect(await get(bed, agent)).toEqual({ status: 200, body: 'psc/front-office', reused: false });
      await sleepUntil(notAfter.getTime() + 500);
      // Same connection (no new handshake to refuse it), so only the per-request check stands in the way.
      expect(await get(bed, agent)).toEqual({ status: 401, body: 'client_certificate_invalid', reused: true });
    } finally {
      agent.destroy();
    }
  });
});

describe('TrustStore.identify once the CRL in force is past its nextUpdate', () => {
  let bed: Bed;
  let nextUpdate: number;

  beforeAll(async () => {
    bed = await startBed(async (dir) => {
      // A CRL valid for 4 more seconds (whole seconds: a CRL's times have no fraction, RFC 5280 §5.1.2.4).
      const thisUpdate = Math.floor(Date.now() / 1000) * 1000;
      nextUpdate = thisUpdate + 4000;
      await PkiDirectory.open(dir).writeCrl(new Date(thisUpdate), nextUpdate - thisUpdate);
    });
  });

  afterAll(() => stopBed(bed));

  it('refuses the next request on a connection opened while the CRL was valid, like a new handshake', async () => {
    const paths = devPkiPaths(bed.dir);
    const tls = paths.system('psc/front-office').tls;
    const agent = new Agent({
      keepAlive: true,
      maxSockets: 1,
      cert: readFileSync(tls.cert),
      key: readFileSync(tls.key),
      ca: readFileSync(paths.chain),
      servername: 'localhost',
    });
    try {
      expect(await get(bed, agent)).toEqual({ status: 200, body: 'psc/front-office', reused: false });
      expect(await get(bed, agent)).toEqual({ status: 200, body: 'psc/front-office', reused: true });
      await sleepUntil(nextUpdate + 500);
      expect(bed.trust.crlProblem()).toMatch(/expired at/);
      // The certificate is valid and unrevoked, and the identity is cached for this connection: only the CRL's age
      // refuses it.
      expect(await get(bed, agent)).toEqual({ status: 401, body: 'client_certificate_invalid', reused: true });
      expect(bed.refusals).toEqual([
        `The server's CRL expired at ${new Date(nextUpdate).toISOString()}: no client certificate can be checked ` +
          'for revocation until a fresh CRL is published',
      ]);
    } finally {
      agent.destroy();
    }
  });
});
