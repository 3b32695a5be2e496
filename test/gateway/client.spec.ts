/**
 * libs/client against a gateway it must not simply believe. The server here plays an attacker in the middle that
 * holds a certificate the client trusts (the gateway's own, as a compromised gateway would): it relays what a
 * provider signed, but changes the body, swaps the key, or replays an answer meant for another request. KopirClient
 * must refuse each of those (the provider's signature is the proof, not the TLS channel), accept the honest answer,
 * and turn problem+json into typed errors with the stable code and Retry-After.
 */
import { createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KopirCallError, KopirClient } from '@kopir/client';
import { detachAnswer, signAnswer, type Answer } from '@kopir/envelope';
import { devPkiPaths, initDevPki, keyThumbprint, loadPrivateKey, publicKeyToJwk } from '@kopir/pki';

/** The audit event id the (stand-in) gateway answers: its own, not the caller's request id. */
const RECEIPT = '6f1c1c9e-3c1b-4a8e-9d51-0d6c2b8f4e21';

jest.setTimeout(60_000);

type Mode = 'honest' | 'tampered' | 'unknown-key' | 'other-request' | 'rate-limited';

const SERVICE = 'mju/population/person-by-iin';
const IIN = '900101300123';
const SIGNED_BODY = { iin: IIN, firstName: 'Aigerim' };

describe('KopirClient verifies the provider, not the channel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kopir-client-'));
  const pki = join(dir, 'certs');
  let server: Server;
  let client: KopirClient;
  let providerKey: KeyObject;
  const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  let mode: Mode = 'honest';

  beforeAll(async () => {
    await initDevPki(pki);
    const paths = devPkiPaths(pki);
    providerKey = loadPrivateKey(readFileSync(paths.system('mju/population').signing.key, 'utf8'));
    server = createServer(
      {
        cert: readFileSync(paths.gateway.cert),
        key: readFileSync(paths.gateway.key),
        ca: readFileSync(paths.chain),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          if (req.method === 'GET' && req.url === '/r1/catalog') {
            const services = [{ id: SERVICE, providerKeys: [publicKeyToJwk(createPublicKey(providerKey))] }];
            res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ services }));
            return;
          }
          void answer(String(req.headers['kopir-request-id'])).then(({ status, headers, body }) => {
            res.writeHead(status, headers).end(body);
          });
        });
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    client = KopirClient.fromDevPki(pki, 'psc/front-office', `https://127.0.0.1:${port}`);
  });

  afterAll(async () => {
    client?.close();
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  /** What the server sends for a POST, by mode; every answer is signed by a real key over a real answer object. */
  async function answer(requestId: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    if (mode === 'rate-limited') {
      const problem = { type: 'urn:kopir:problem:rate_limited', title: 'Rate limited', status: 429 };
      return {
        status: 429,
        headers: { 'content-type': 'application/problem+json', 'retry-after': '7' },
        body: JSON.stringify({ ...problem, detail: 'Quota exhausted', code: 'rate_limited', retriable: true }),
      };
    }
    const signedFor = mode === 'other-request' ? randomUUID() : requestId;
    const key = mode === 'unknown-key' ? stranger : providerKey;
    const jws = await signAnswer(
      `envelope-of-${signedFor}`,
      { requestId: signedFor, status: 'ok', body: SIGNED_BODY },
      key,
      { kid: keyThumbprint(providerKey) },
    );
    const signed = JSON.parse(Buffer.from(jws.split('.')[1] as string, 'base64url').toString()) as Answer;
    const detached = detachAnswer(jws, signed);
    const body = mode === 'tampered' ? { ...SIGNED_BODY, firstName: 'Someone Else' } : SIGNED_BODY;
    return {
      status: 200,
      headers: {
        'content-type': 'application/json',
        'kopir-request-id': requestId,
        'kopir-response-signature': detached.signature,
        'kopir-envelope-digest': detached.envelopeDigest,
        'kopir-answer-issued-at': String(detached.issuedAt),
        'kopir-audit-receipt': RECEIPT,
      },
      body: JSON.stringify(body),
    };
  }

  const call = () => client.call<typeof SIGNED_BODY>(SERVICE, { iin: IIN }, { purpose: 'p', subject: IIN });

  it('accepts the answer the provider signed, and says who signed it', async () => {
    mode = 'honest';
    const result = await call();
    expect(result.body).toEqual(SIGNED_BODY);
    expect(result.answer.kid).toBe(keyThumbprint(providerKey));
    expect(result.answer.requestId).toBe(result.requestId);
    expect(result.auditReceipt).toBe(RECEIPT);
  });

  it.each([
    ['a body changed after the provider signed it', 'tampered'],
    ['an answer signed by a key the catalog does not list for the provider', 'unknown-key'],
    ['an answer the provider signed for another request', 'other-request'],
  ] as const)('refuses %s', async (_, m) => {
    mode = m;
    await expect(call()).rejects.toMatchObject({ code: 'signature_invalid' });
  });

  it('follows a provider key rotation: an answer under a new key the catalog now lists is accepted', async () => {
    mode = 'honest';
    await call(); // the client has read the catalog and holds the old key
    const old = providerKey;
    providerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    try {
      const result = await call();
      expect(result.answer.kid).toBe(keyThumbprint(providerKey));
      expect(result.answer.kid).not.toBe(keyThumbprint(old));
    } finally {
      providerKey = old;
    }
  });

  it('keeps to maxConnections: 12 concurrent calls share 2 TLS connections, and all are answered', async () => {
    mode = 'honest';
    const paths = devPkiPaths(pki);
    const files = paths.system('psc/front-office');
    const { port } = server.address() as { port: number };
    const pooled = new KopirClient({
      gateway: `https://127.0.0.1:${port}`,
      tlsCert: readFileSync(files.tls.cert),
      tlsKey: readFileSync(files.tls.key),
      ca: readFileSync(paths.chain),
      signingKey: loadPrivateKey(readFileSync(files.signing.key, 'utf8')),
      maxConnections: 2,
    });
    let connections = 0;
    const count = (): void => {
      connections++;
    };
    server.on('secureConnection', count);
    try {
      const results = await Promise.all(
        Array.from({ length: 12 }, () => pooled.call(SERVICE, { iin: IIN }, { purpose: 'p-test', subject: IIN })),
      );
      expect(results.map((r) => r.body)).toEqual(Array.from({ length: 12 }, () => SIGNED_BODY));
      expect(connections).toBeGreaterThanOrEqual(1);
      expect(connections).toBeLessThanOrEqual(2);
    } finally {
      server.off('secureConnection', count);
      pooled.close();
    }
  });

  it('turns problem+json into a typed error with the stable code, status and Retry-After', async () => {
    mode = 'rate-limited';
    const error = await call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KopirCallError);
    expect(error).toMatchObject({ code: 'rate_limited', httpStatus: 429, retryAfterSeconds: 7, retriable: true });
  });

  it('refuses a server whose certificate is not from the intranet CA (verification is always on)', async () => {
    const other = join(dir, 'other');
    await initDevPki(other);
    const { port } = server.address() as { port: number };
    const stray = KopirClient.fromDevPki(other, 'psc/front-office', `https://127.0.0.1:${port}`);
    try {
      await expect(stray.call(SERVICE, { iin: IIN }, { purpose: 'p', subject: IIN })).rejects.toMatchObject({
        code: 'provider_unavailable',
      });
    } finally {
      stray.close();
    }
  });
});
