/**
 * The gateway's door against forged identities, in-process (startGateway) over real mutual TLS with the embedded
 * broker and an adapter written here: an expired client certificate (refused at the handshake, counted), a valid
 * certificate of the intranet CA that is not the one the federation registers for the system (certificate pinning, on
 * the relay and on the catalog),
 * and algorithm confusion on Kopir-Signature (RFC 8725 §2.1, §3.1: HS256 keyed with the system's public key, and a
 * header claiming another asymmetric algorithm). The success path runs first, so each refusal is the rule's doing;
 * `kopir call` is run against the same gateway.
 */
import { createHmac, createPublicKey, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { KopirClient } from '@kopir/client';
import { type SystemId } from '@kopir/contracts';
import { canonicalize, sha256, signRequest } from '@kopir/envelope';
import {
  PkiDirectory,
  generateKeyPair,
  issueCertificate,
  keyThumbprint,
  loadPrivateKey,
  privateKeyToPem,
  publicKeyToPem,
} from '@kopir/pki';
import { runCli } from '../../apps/cli/src/cli';
import { auditEventsOf } from './audit-events';
import { startGatewayTestBed, type GatewayTestBed } from './gateway-test-bed';

jest.setTimeout(120_000);

const SERVICE = 'mju/population/person-by-iin';
const PATH = `/r1/${SERVICE}`;
const PURPOSE = 'driving-licence-issue';
const IIN = '900101300123';

interface Tls {
  readonly cert: string;
  readonly key: string;
}

interface RawAnswer {
  readonly status: number;
  readonly json: { code?: string; [k: string]: unknown };
}

describe('gateway identity: expired and unregistered certificates, algorithm confusion', () => {
  let bed: GatewayTestBed;
  let pki: string;
  let paths: GatewayTestBed['paths'];
  let gateway: GatewayTestBed['gateway'];
  let client: KopirClient;
  let registered: Tls;
  let expired: Tls;
  let unregistered: Tls;

  beforeAll(async () => {
    bed = await startGatewayTestBed('identity');
    ({ pki, paths, gateway } = bed);

    // Two more certificates for psc/front-office from the same issuing CA: one that expired yesterday, and one valid
    // today whose fingerprint the federation does not list (a CA mis-issuance or a stolen CA key must not be enough).
    const ca = PkiDirectory.open(pki).issuingCa;
    const issue = async (validity: { notBefore?: Date; notAfter?: Date }): Promise<Tls> => {
      const pair = generateKeyPair('P-256');
      const issued = await issueCertificate(
        ca,
        pair.publicKey,
        { kind: 'system-tls', system: 'psc/front-office' as SystemId },
        validity,
      );
      return { cert: issued.pem, key: privateKeyToPem(pair.privateKey) };
    };
    const day = 86_400_000;
    expired = await issue({ notBefore: new Date(Date.now() - 2 * day), notAfter: new Date(Date.now() - day) });
    unregistered = await issue({});
    const own = paths.system('psc/front-office').tls;
    registered = { cert: readFileSync(own.cert, 'utf8'), key: readFileSync(own.key, 'utf8') };

    client = KopirClient.fromDevPki(pki, 'psc/front-office', gateway.url);
  });

  afterAll(async () => {
    client?.close();
    await bed?.close();
  });

  const signingKey = () => loadPrivateKey(readFileSync(paths.system('psc/front-office').signing.key, 'utf8'));

  async function validSignature(requestId: string, body: string): Promise<string> {
    const key = signingKey();
    return signRequest({ method: 'POST', path: PATH, purpose: PURPOSE, subject: IIN, requestId, body }, key, {
      kid: keyThumbprint(key),
    });
  }

  /**
   * One POST on a fresh connection (no agent), TLS verification on, with the given client certificate and signature;
   * `body` defaults to a valid request. Resolves with the answer and the request id it sent.
   */
  async function raw(
    tls: Tls,
    signature: (requestId: string, body: string) => Promise<string>,
    body = JSON.stringify({ iin: IIN }),
  ): Promise<RawAnswer & { requestId: string }> {
    const requestId = randomUUID();
    const sig = await signature(requestId, body);
    return new Promise((resolve, reject) => {
      const req = request(
        `${gateway.url}${PATH}`,
        {
          method: 'POST',
          ca: readFileSync(paths.chain),
          cert: tls.cert,
          key: tls.key,
          agent: false,
          headers: {
            'content-type': 'application/json',
            'kopir-purpose': PURPOSE,
            'kopir-subject': IIN,
            'kopir-request-id': requestId,
            'kopir-signature': sig,
          },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : {}, requestId }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** A detached JWS whose header says `alg`, over the exact payload signRequest would sign. */
  function forged(alg: string, sign: (input: string) => string) {
    return (requestId: string, body: string): Promise<string> => {
      const kid = keyThumbprint(signingKey());
      const iat = Math.floor(Date.now() / 1000);
      const header = Buffer.from(JSON.stringify({ alg, kid, typ: 'kopir-request+jws', iat })).toString('base64url');
      const payload = Buffer.from(
        canonicalize({
          method: 'POST',
          path: PATH,
          purpose: PURPOSE,
          subject: IIN,
          requestId,
          iat,
          bodyDigest: sha256(body),
        }),
      ).toString('base64url');
      return Promise.resolve(`${header}..${sign(`${header}.${payload}`)}`);
    };
  }

  it('answers the registered certificate with a valid signature (the baseline every refusal below departs from)', async () => {
    const answer = await raw(registered, validSignature);
    expect(answer.status).toBe(200);
    const result = await client.call<{ iin: string }>(SERVICE, { iin: IIN }, { purpose: PURPOSE, subject: IIN });
    expect(result.body.iin).toBe(IIN);
  });

  it('kopir call prints the verified answer (and with --verbose the signature and receipt); a refusal exits 1 with its code', async () => {
    const lines = { stdout: '', stderr: '' };
    const out = { stdout: (t: string) => void (lines.stdout += t), stderr: (t: string) => void (lines.stderr += t) };
    const args = (purpose: string) => [
      'call',
      '--as',
      'psc/front-office',
      '--purpose',
      purpose,
      '--subject',
      IIN,
      '--gateway',
      gateway.url,
      '--pki',
      pki,
      '--verbose',
      SERVICE,
      JSON.stringify({ iin: IIN }),
    ];
    expect(await runCli(args(PURPOSE), out)).toBe(0);
    expect(lines.stdout).toContain('"firstName": "Aigerim"');
    expect(lines.stdout).toMatch(/provider signature: +\S+\.\.\S+ \(verified, key \S+\)/);
    expect(lines.stdout).toMatch(/audit receipt: +[0-9a-f-]{36}/);
    expect(await runCli(args('marketing'), out)).toBe(1);
    expect(lines.stderr).toContain('403 access_denied');
    expect(await runCli([...args(PURPOSE).slice(0, -1), '{not json'], out)).toBe(2);
  });

  it('refuses an expired client certificate of the intranet CA at the handshake, with no HTTP answer, and counts it', async () => {
    const before = (await gateway.metrics.tlsRejected.get()).values[0]?.value ?? 0;
    await expect(raw(expired, validSignature)).rejects.toThrow();
    // The refusal is logged and counted on the server side (tlsClientError), the only place its reason is known.
    await new Promise((r) => setTimeout(r, 200));
    const after = (await gateway.metrics.tlsRejected.get()).values[0]?.value ?? 0;
    expect(after).toBeGreaterThan(before);
  });

  it('refuses a valid certificate of the intranet CA that the federation does not register for the system', async () => {
    const answer = await raw(unregistered, validSignature);
    expect(answer.status).toBe(401);
    expect(answer.json.code).toBe('client_certificate_invalid');
  });

  it('shows the catalog and a service description only to the registered certificate, not to another of the CA', async () => {
    const get = (tls: Tls, path: string): Promise<RawAnswer> =>
      new Promise<RawAnswer>((resolve, reject) => {
        const req = request(
          `${gateway.url}${path}`,
          { ca: readFileSync(paths.chain), cert: tls.cert, key: tls.key, agent: false },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : {} }));
          },
        );
        req.on('error', reject);
        req.end();
      });
    const listed = await get(registered, '/r1/catalog');
    expect(listed.status).toBe(200);
    expect((listed.json.services as unknown[]).length).toBeGreaterThan(0);
    expect((await get(registered, `/r1/catalog/${SERVICE}`)).status).toBe(200);
    // The same system name, another certificate: its rules, purposes, fields and schemas are not shown.
    for (const path of ['/r1/catalog', `/r1/catalog/${SERVICE}`]) {
      const refused = await get(unregistered, path);
      expect({ path, status: refused.status, code: refused.json.code }).toEqual({
        path,
        status: 401,
        code: 'client_certificate_invalid',
      });
    }
  });

  it('records a refusal before the relay (body over the limit) on an unregistered certificate as unidentified', async () => {
    // The audit record must not attribute the call to the system the certificate claims: only the federation's pin
    // identifies it (RelayService.caller), for refusals made by the HTTP layer as for the relay's own.
    const answer = await raw(unregistered, validSignature, JSON.stringify({ iin: IIN, pad: 'x'.repeat(1_100_000) }));
    expect([answer.status, answer.json.code]).toEqual([413, 'payload_too_large']);
    const [event] = await auditEventsOf(bed.kafka, answer.requestId, 1);
    expect(event).toMatchObject({ client: 'unidentified', decision: 'deny', status: 413 });
  });

  it('refuses HS256 keyed with the system’s public key (algorithm confusion), over the exact signed payload', async () => {
    const publicPem = publicKeyToPem(createPublicKey(signingKey()));
    const hs256 = forged('HS256', (input) => createHmac('sha256', publicPem).update(input).digest('base64url'));
    const answer = await raw(registered, hs256);
    expect(answer.status).toBe(401);
    expect(answer.json.code).toBe('signature_invalid');
  });

  it('refuses a header that swaps the algorithm to another asymmetric one (ES256 signature labelled ES384)', async () => {
    const swapped = async (requestId: string, body: string): Promise<string> => {
      const valid = await validSignature(requestId, body);
      const [header, , signature] = valid.split('.');
      const claims = JSON.parse(Buffer.from(header as string, 'base64url').toString()) as Record<string, unknown>;
      const relabelled = Buffer.from(JSON.stringify({ ...claims, alg: 'ES384' })).toString('base64url');
      return `${relabelled}..${signature}`;
    };
    const answer = await raw(registered, swapped);
    expect(answer.status).toBe(401);
    expect(answer.json.code).toBe('signature_invalid');
    // And the original, unmodified, still passes: the refusal is the swap's.
    expect((await raw(registered, validSignature)).status).toBe(200);
  });
});
