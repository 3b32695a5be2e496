/**
 * Real Node TLS 1.3 handshakes with certificates from libs/pki: the server trusts the intranet root, loads the CRLs,
 * requires a client certificate, and names the peer with identityFromPeerCertificate. Success, and every way a
 * client certificate must be refused: expired, another CA, revoked, wrong key usage.
 */
import { X509Certificate, createPublicKey } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import {
  createCrl,
  createIssuingCa,
  createRootCa,
  generateKeyPair,
  identityFromPeerCertificate,
  issueCertificate,
  privateKeyToPem,
  revokedSerialsFromCrl,
  splitCrls,
  type CertificateAuthority,
  type CertificateProfile,
  type PeerIdentity,
} from '@kopir/pki';
import type { SystemId } from '@kopir/contracts';

interface Credential {
  readonly key: string;
  readonly cert: string;
  readonly serial: string;
}

const DAY = 86_400_000;

async function credential(
  ca: CertificateAuthority,
  profile: CertificateProfile,
  validity: { notBefore?: Date; notAfter?: Date } = {},
): Promise<Credential> {
  const { privateKey } = generateKeyPair('P-256');
  const issued = await issueCertificate(ca, createPublicKey(privateKey), profile, validity);
  return { key: privateKeyToPem(privateKey), cert: `${issued.pem}${ca.certificate.toString()}`, serial: issued.serial };
}

const system = (id: string): CertificateProfile => ({ kind: 'system-tls', system: id as SystemId });

describe('mutual TLS with the intranet PKI', () => {
  let root: CertificateAuthority;
  let issuing: CertificateAuthority;
  let crlPem: string;
  let server: Server;
  let port: number;
  let good: Credential;
  let expired: Credential;
  let revoked: Credential;
  let signingOnly: Credential;
  let serverOnly: Credential;
  let foreign: Credential;
  let officer: Credential;
  const serverErrors: string[] = [];

  beforeAll(async () => {
    root = await createRootCa({ subject: 'CN=Test Root CA, O=Kopir Test' });
    issuing = await createIssuingCa(root, { subject: 'CN=Test Issuing CA, O=Kopir Test' });
    const foreignRoot = await createRootCa({ subject: 'CN=Test Root CA, O=Kopir Test' });
    const foreignIssuing = await createIssuingCa(foreignRoot, { subject: 'CN=Test Issuing CA, O=Kopir Test' });
    good = await credential(issuing, system('psc/front-office'));
    expired = await credential(issuing, system('psc/front-office'), {
      notBefore: new Date(Date.now() - 30 * DAY),
      notAfter: new Date(Date.now() - DAY),
    });
    revoked = await credential(issuing, system('mia/vehicles'));
    signingOnly = await credential(issuing, { kind: 'system-signing', system: 'psc/front-office' as SystemId });
    serverOnly = await credential(issuing, {
      kind: 'server',
      commonName: 'not-a-client',
      dnsNames: ['localhost'],
      ipAddresses: [],
    });
    // Same subject names as the real CAs: only the signatures differ.
    foreign = await credential(foreignIssuing, system('psc/front-office'));
    officer = await credential(issuing, { kind: 'officer', officer: 'auditor' });
    const gateway = await credential(issuing, {
      kind: 'server',
      commonName: 'gateway',
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
    });
    crlPem =
      (await createCrl(issuing, [{ serial: revoked.serial, revokedAt: new Date() }], { crlNumber: 1 })) +
      (await createCrl(root, [], { crlNumber: 1 }));
    const revokedSerials = await revokedSerialsFromCrl(crlPem, [issuing.certificate, root.certificate]);

    server = createServer(
      {
        key: gateway.key,
        cert: gateway.cert,
        ca: root.certificate.toString(),
        crl: splitCrls(crlPem),
        requestCert: true,
        rejectUnauthorized: true,
        minVersion: 'TLSv1.3',
      },
      (socket) => {
        let answer: string;
        try {
          const identity: PeerIdentity = identityFromPeerCertificate(socket.getPeerCertificate(true), {
            trustAnchors: [root.certificate],
            intermediates: [issuing.certificate],
            revokedSerials,
          });
          answer = JSON.stringify(identity);
        } catch (error) {
          answer = JSON.stringify({ error: (error as { code?: string }).code });
        }
        socket.end(answer);
      },
    );
    // With rejectUnauthorized Node destroys the socket ("socket hang up"); the verification error is kept on it.
    server.on('tlsClientError', (error, socket) =>
      serverErrors.push(`${error.message} ${String(socket.authorizationError)}`),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.close();
    await once(server, 'close');
  });

  /** Connects with a client credential; resolves to what the server answered, or to the error that ended it. */
  async function handshake(client: Credential): Promise<{ answer?: unknown; error?: string }> {
    const socket: TLSSocket = connect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      ca: root.certificate.toString(),
      key: client.key,
      cert: client.cert,
      minVersion: 'TLSv1.3',
    });
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (data += chunk));
    return new Promise((resolve) => {
      socket.on('error', (error) => resolve({ error: error.message }));
      socket.on('end', () => resolve(data ? { answer: JSON.parse(data) } : { error: 'closed without answer' }));
    });
  }

  it('accepts a valid system certificate and names the system from its SAN URI', async () => {
    const result = await handshake(good);
    expect(result.answer).toMatchObject({ kind: 'system', system: 'psc/front-office', serial: good.serial });
  });

  it('names an officer from an officer certificate', async () => {
    expect((await handshake(officer)).answer).toMatchObject({ kind: 'officer', officer: 'auditor' });
  });

  it.each([
    ['an expired certificate', () => expired, /CERT_HAS_EXPIRED/],
    // OpenSSL checks revocation before signatures (X509_verify_cert): the impostor CA has no CRL signed by a
    // trusted key, so it fails there, before the chain's bad signature is even looked at.
    ['a certificate of another CA with the same names', () => foreign, /UNABLE_TO_GET_CRL|CERT_SIGNATURE_FAILURE/],
    ['a revoked certificate', () => revoked, /CERT_REVOKED/],
    ['a signing certificate (no clientAuth)', () => signingOnly, /INVALID_PURPOSE/],
    ['a server certificate (serverAuth only)', () => serverOnly, /INVALID_PURPOSE/],
  ])('refuses %s in the handshake', async (_what, client, reason) => {
    const before = serverErrors.length;
    const result = await handshake(client());
    expect(result.answer).toBeUndefined();
    expect(result.error).toBeDefined();
    expect(serverErrors.slice(before).join(' ')).toMatch(reason);
  });

  describe('identityFromPeerCertificate on its own (defence in depth, same rules)', () => {
    const leaf = (c: Credential): X509Certificate => new X509Certificate(c.cert);
    const options = () => ({ trustAnchors: [root.certificate], intermediates: [issuing.certificate] });
    const code = (fn: () => unknown): string | undefined => {
      try {
        fn();
        return undefined;
      } catch (error) {
        return (error as { code?: string }).code;
      }
    };

    it.each([
      ['expired', () => leaf(expired), {}],
      ['another CA', () => leaf(foreign), {}],
      ['revoked', () => leaf(revoked), 'revoked'],
      ['signing certificate', () => leaf(signingOnly), {}],
      ['server certificate', () => leaf(serverOnly), {}],
      ['a CA certificate', () => issuing.certificate, {}],
      ['garbage', () => Buffer.from('not a certificate'), {}],
    ])('refuses %s with client_certificate_invalid', (_what, cert, extra) => {
      const revokedSerials = extra === 'revoked' ? new Set([revoked.serial.toUpperCase()]) : new Set<string>();
      expect(code(() => identityFromPeerCertificate(cert(), { ...options(), revokedSerials }))).toBe(
        'client_certificate_invalid',
      );
    });

    it('refuses a certificate checked at a time before it was valid', () => {
      expect(
        code(() => identityFromPeerCertificate(leaf(good), { ...options(), now: new Date(Date.now() - 10 * DAY) })),
      ).toBe('client_certificate_invalid');
    });

    it('refuses a chain without the issuing CA', () => {
      expect(code(() => identityFromPeerCertificate(leaf(good), { trustAnchors: [root.certificate] }))).toBe(
        'client_certificate_invalid',
      );
    });

    it('accepts a server certificate when asked for serverAuth', () => {
      // A server certificate has no Köpir SAN URI, so it still names no principal.
      expect(code(() => identityFromPeerCertificate(leaf(serverOnly), { ...options(), purpose: 'serverAuth' }))).toBe(
        'client_certificate_invalid',
      );
    });

    it('rejects a stale CRL', async () => {
      await expect(
        revokedSerialsFromCrl(crlPem, [issuing.certificate, root.certificate], new Date(Date.now() + 30 * DAY)),
      ).rejects.toMatchObject({ code: 'request_invalid' });
    });
  });
});
