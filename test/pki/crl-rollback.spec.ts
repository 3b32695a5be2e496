/**
 * A CRL put back over a newer one must not un-revoke anything. CRLs are public and stay verifiable until their
 * nextUpdate, so anyone who can write the CRL file (or a sync job that copies a stale one) could otherwise restore a
 * revoked certificate in a running gateway or audit service. TrustStore keeps, per CA, the newest CRL it accepted
 * (RFC 5280 §5.2.3 cRLNumber) and refuses a reload below it, like a forged one; with `crlStateFile` it remembers that
 * across restarts too.
 */
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { PkiDirectory, TrustStore, createCrl, devPkiPaths, initDevPki, type TrustStoreOptions } from '@kopir/pki';

jest.setTimeout(30_000);

const SYSTEM = 'psc/front-office';
const crlBlocks = (pem: string): string[] =>
  pem.match(/-----BEGIN X509 CRL-----[\s\S]+?-----END X509 CRL-----\n/g) ?? [];

describe('TrustStore refuses an older CRL put back', () => {
  let dir: string;
  let paths: ReturnType<typeof devPkiPaths>;
  let stateFile: string;
  let options: TrustStoreOptions;
  const warnings: string[] = [];
  let trust: TrustStore;
  let server: Server;
  let port: number;
  const refusals: string[] = [];
  /** ca/crl.pem as `pki init` wrote it: CRL number 1, before any revocation. */
  let initial: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kopir-crl-rollback-'));
    await initDevPki(dir, { systems: [SYSTEM], kafkaClients: [] });
    paths = devPkiPaths(dir);
    stateFile = join(dir, 'state', 'crl-state.json');
    options = {
      cert: paths.gateway.cert,
      key: paths.gateway.key,
      ca: paths.chain,
      crl: paths.crl,
      minVersion: 'TLSv1.3',
      crlStateFile: stateFile,
      logger: { log: () => undefined, warn: (m) => warnings.push(m) },
    };
    initial = readFileSync(paths.crl, 'utf8');
    trust = await TrustStore.open(options);
    server = createServer(trust.secureContextOptions(), (req, res) => {
      try {
        const identity = trust.identify(req.socket as TLSSocket);
        res.end(identity.kind === 'system' ? identity.system : identity.kind);
      } catch (error) {
        res.statusCode = 401;
        res.end((error as { code?: string }).code ?? 'error');
      }
    });
    server.on('tlsClientError', (_error, socket: TLSSocket) => refusals.push(String(socket.authorizationError)));
    // The long interval leaves reloading to the test's explicit reload() calls; watch() wires the new TLS context.
    trust.watch((next) => server.setSecureContext(next), 60_000);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    trust?.close();
    server?.close();
    if (server) await once(server, 'close');
    rmSync(dir, { recursive: true, force: true });
  });

  /** A new connection as the system: its identity, or the handshake's refusal as the server saw it. */
  async function call(): Promise<string> {
    const before = refusals.length;
    const tls = paths.system(SYSTEM).tls;
    return new Promise((resolve) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/',
          agent: false,
          servername: 'localhost',
          ca: readFileSync(paths.chain),
          cert: readFileSync(tls.cert),
          key: readFileSync(tls.key),
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(`${res.statusCode ?? 0} ${body}`));
        },
      );
      req.on('error', () => setImmediate(() => resolve(`refused ${refusals.slice(before).join(' ')}`)));
      req.end();
    });
  }

  it('keeps a revocation in force when the CRL from before it is copied back, and says why', async () => {
    expect(await call()).toBe(`200 ${SYSTEM}`);

    await PkiDirectory.open(dir).revoke(SYSTEM, { kind: 'system-tls', reason: 'keyCompromise' });
    await trust.reload();
    expect(await call()).toBe('refused CERT_REVOKED');

    writeFileSync(paths.crl, initial);
    await trust.reload();
    expect(await call()).toBe('refused CERT_REVOKED');
    expect(warnings.at(-1)).toMatch(
      new RegExp(
        `^CRL ${paths.crl} refused, keeping the previous one: an older CRL of .*Issuing CA.* \\(cRLNumber 1 < 2\\)$`,
      ),
    );
  });

  it('refuses a different CRL under the same number, and a file without the issuing CA CRL', async () => {
    const current = readFileSync(paths.issuingCrl, 'utf8');
    const root = readFileSync(paths.rootCrl, 'utf8');
    const directory = PkiDirectory.open(dir);
    const { crlNumber } = JSON.parse(readFileSync(paths.index, 'utf8')) as { crlNumber: number };
    // Signed by the real issuing CA with the number in force, but listing nothing: a CA never issues two CRLs
    // under one number, so this is a forgery by someone holding the key or a broken CA, not an update.
    writeFileSync(paths.crl, `${await createCrl(directory.issuingCa, [], { crlNumber })}${root}`);
    await trust.reload();
    expect(warnings.at(-1)).toMatch(/a different CRL of .*Issuing CA.* under the cRLNumber already accepted \(2\)$/);
    expect(await call()).toBe('refused CERT_REVOKED');

    // Only the root's CRL: identify() would re-check open connections against no revocations at all.
    writeFileSync(paths.crl, root);
    await trust.reload();
    expect(warnings.at(-1)).toMatch(/no CRL of .*Issuing CA.*, which the CRL in force has$/);

    // Two CRLs of the issuing CA, the current one and an older one: TLS could pick either.
    writeFileSync(paths.crl, `${current}${crlBlocks(initial)[0] ?? ''}${root}`);
    await trust.reload();
    expect(warnings.at(-1)).toMatch(/two CRLs of .*Issuing CA.* in one file/);
    expect(await call()).toBe('refused CERT_REVOKED');

    writeFileSync(paths.crl, `${current}${root}`);
  });

  it('accepts a newer CRL and remembers it across a restart: an older one found at start is refused', async () => {
    const older = readFileSync(paths.crl, 'utf8');
    const count = warnings.length;
    await PkiDirectory.open(dir).writeCrl();
    await trust.reload();
    expect(warnings.length).toBe(count);
    const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as { crls: Record<string, { crlNumber: string }> };
    expect(Object.values(saved.crls).map((m) => m.crlNumber)).toEqual(['3', '3']);

    const newer = readFileSync(paths.crl, 'utf8');
    writeFileSync(paths.crl, older);
    await expect(TrustStore.open(options)).rejects.toThrow(/older CRL of .*Issuing CA.* \(cRLNumber 2 < 3\)/);
    // Without the state file the floor starts from whatever is found, which is why the option exists.
    const { crlStateFile: _unused, ...forgetful } = options;
    await expect(TrustStore.open(forgetful)).resolves.toBeInstanceOf(TrustStore);

    writeFileSync(paths.crl, newer);
    const restarted = await TrustStore.open(options);
    expect(restarted.crlProblem()).toBeUndefined();
    restarted.close();
  });

  it('refuses to start on a state file it cannot read', async () => {
    const other = join(dir, 'garbage.json');
    writeFileSync(other, '{"version": 2}');
    await expect(TrustStore.open({ ...options, crlStateFile: other })).rejects.toMatchObject({
      code: 'config_invalid',
    });
  });
});
