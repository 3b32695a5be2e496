import type { KeyObject } from 'node:crypto';
import { KopirError } from '@kopir/contracts';
import {
  decryptAnswer,
  encryptBody,
  signEnvelope,
  verifyAnswer,
  type AnswerKey,
  type EncryptedBody,
} from '@kopir/envelope';
import type { FederationDocument } from '@kopir/federation';
import { generateKeyPair, generateSigningKey, keyThumbprint, publicKeyToJwk } from '@kopir/pki';
import { AdapterProcessor } from './adapter-processor';
import type { AdapterRequest } from './adapter-request';

const IIN = '900101300012';
const NAME = 'Abenov';
const NOBODY = '000000000000';

/** Encrypted bodies through the SDK: decrypted for the handler, the answer encrypted under the request's answer key. */
describe('AdapterProcessor with encrypted bodies', () => {
  const gateway = generateSigningKey('ES256');
  const adapter = generateSigningKey('ES256');
  const current = generateKeyPair('P-256');
  const previous = generateKeyPair('P-256');
  const otherSystem = generateKeyPair('P-256');
  const seen: AdapterRequest[] = [];
  const service = (name: string, encryptBodies: boolean) => ({
    id: `mju/population/${name}`,
    version: '1.0.0',
    description: name,
    topic: 'kopir.req.mju',
    request: {
      type: 'object',
      additionalProperties: false,
      required: ['iin'],
      properties: { iin: { type: 'string', pattern: '^[0-9]{12}$' } },
    },
    response: { type: 'object' },
    fields: ['iin', 'lastName'].map((f) => ({ name: f, sensitivity: 'personal' as const })),
    encryptBodies,
  });
  const document = (): FederationDocument => ({
    federation: 'test',
    version: 1,
    issuedAt: new Date(Date.now() - 60_000).toISOString(),
    expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    agencies: [
      {
        code: 'mju',
        name: 'mju',
        systems: [{ id: 'mju/population', name: 'population', encryptionKey: publicKeyToJwk(current.publicKey) }],
      },
      { code: 'psc', name: 'psc', systems: [{ id: 'psc/front-office', name: 'front office' }] },
    ],
    purposes: [{ code: 'driving-licence-issue', description: 'x' }],
    groups: [],
    services: [service('person-by-iin', true), service('person-in-clear', false)],
    rules: [],
    officers: [],
    gateways: [{ id: 'gateway', name: 'gw', signingKeys: [publicKeyToJwk(gateway.publicKey)] }],
  });
  const handle = (request: AdapterRequest) => {
    seen.push(request);
    if ((request.body as { iin: string }).iin === NOBODY) throw new KopirError('not_found', 'No such person');
    return { iin: (request.body as { iin: string }).iin, lastName: NAME };
  };
  const processor = (options: { keys?: readonly KeyObject[] } = {}): AdapterProcessor =>
    new AdapterProcessor({
      system: 'mju/population',
      signingKey: adapter.privateKey,
      encryptionKeys: options.keys ?? [current.privateKey, previous.privateKey],
      federation: { current: { document: document() } },
      handlers: [
        { service: 'person-by-iin', handle },
        { service: 'person-in-clear', handle },
      ],
    });
  let n = 0;
  /**
   * An envelope as the gateway signs it; `jwe` replaces the body (encrypted as the test needs), and the answer key
   * the gateway keeps for the answer comes with it.
   */
  const envelope = async (
    options: { requestId?: string; name?: string; jwe?: (requestId: string) => Promise<EncryptedBody> } = {},
  ): Promise<{ jws: string; requestId: string; answerKey?: AnswerKey }> => {
    const requestId = options.requestId ?? `enc-${++n}`;
    const jwe =
      options.jwe ??
      ((rid: string) =>
        encryptBody({ iin: IIN }, current.publicKey, { kid: keyThumbprint(current.publicKey), requestId: rid }));
    const encrypted = await jwe(requestId);
    const jws = await signEnvelope(
      {
        requestId,
        client: 'psc/front-office',
        service: `mju/population/${options.name ?? 'person-by-iin'}`,
        purpose: 'driving-licence-issue',
        subject: IIN,
        fields: ['iin', 'lastName'],
        bodyJwe: encrypted.jwe,
        consumerSignature: 'x',
      },
      gateway.privateKey,
      { kid: keyThumbprint(gateway.publicKey) },
    );
    return { jws, requestId, answerKey: encrypted.answerKey };
  };
  const clear = async (name = 'person-by-iin') => {
    n += 1;
    const requestId = `clear-${n}`;
    const jws = await signEnvelope(
      {
        requestId,
        client: 'psc/front-office',
        service: `mju/population/${name}`,
        purpose: 'driving-licence-issue',
        subject: IIN,
        fields: ['iin', 'lastName'],
        body: { iin: IIN },
        consumerSignature: 'x',
      },
      gateway.privateKey,
      { kid: keyThumbprint(gateway.publicKey) },
    );
    return { jws, requestId };
  };
  /** The reply as the gateway gets it: decrypted (when it is a JWE) under the request's answer key, then verified. */
  const open = async (reply: string, e: { jws: string; requestId: string; answerKey?: AnswerKey }) => {
    const encrypted = reply.split('.').length === 5;
    if (encrypted && e.answerKey === undefined) throw new Error('an encrypted answer to a request in clear');
    const answerJws = e.answerKey !== undefined && encrypted ? await decryptAnswer(reply, e.answerKey) : reply;
    const answer = await verifyAnswer(answerJws, e.jws, adapter.publicKey, { requestId: e.requestId });
    return { encrypted, status: answer.status, body: answer.body };
  };
  const reply = async (p: AdapterProcessor, e: { jws: string; requestId: string }) => {
    const done = await p.process(e.jws, e.requestId);
    if (done === undefined) throw new Error('no answer');
    return done.answer;
  };

  it('decrypts the body for the handler and answers encrypted under the request key, signed over the plaintext', async () => {
    const e = await envelope();
    const answer = await reply(processor(), e);
    // Nothing of the person in the reply, however it is decoded.
    const decoded = answer.split('.').map((part) => Buffer.from(part, 'base64url').toString('latin1'));
    for (const text of [answer, ...decoded]) {
      expect(text).not.toContain(NAME);
      expect(text).not.toContain(IIN);
    }
    expect(await open(answer, e)).toEqual({
      encrypted: true,
      status: 'ok',
      body: { iin: IIN, lastName: NAME },
    });
    expect(seen.at(-1)?.body).toEqual({ iin: IIN });
    // Under this request's key only: another request's key does not open it.
    const other = await envelope();
    expect(other.answerKey).toBeDefined();
    await expect(open(answer, { ...e, answerKey: other.answerKey })).rejects.toMatchObject({
      code: 'signature_invalid',
    });
  });

  it('answers a refusal after decryption encrypted too (a body that fails the schema, a handler refusal)', async () => {
    const invalid = await envelope({
      jwe: (rid) =>
        encryptBody({ iin: 'not-an-iin' }, current.publicKey, {
          kid: keyThumbprint(current.publicKey),
          requestId: rid,
        }),
    });
    const refused = await reply(processor(), invalid);
    expect(refused).not.toContain('not-an-iin');
    expect(await open(refused, invalid)).toMatchObject({ encrypted: true, status: 'request_invalid' });
    const missing = await envelope({
      jwe: (rid) =>
        encryptBody({ iin: NOBODY }, current.publicKey, { kid: keyThumbprint(current.publicKey), requestId: rid }),
    });
    expect(await open(await reply(processor(), missing), missing)).toMatchObject({
      encrypted: true,
      status: 'not_found',
    });
  });

  it('decrypts with the previous key during a rotation (the JWE names its key by kid)', async () => {
    const e = await envelope({
      jwe: (rid) =>
        encryptBody({ iin: IIN }, previous.publicKey, { kid: keyThumbprint(previous.publicKey), requestId: rid }),
    });
    expect(await open(await reply(processor(), e), e)).toMatchObject({ status: 'ok' });
  });

  it('refuses a JWE moved from another request into this envelope, before the handler runs', async () => {
    const stolen = await encryptBody({ iin: IIN }, current.publicKey, {
      kid: keyThumbprint(current.publicKey),
      requestId: 'r-0',
    });
    const before = seen.length;
    const e = await envelope({ jwe: () => Promise.resolve(stolen) });
    // No key agreement of this request succeeded, so there is no key to answer under: the refusal goes in clear
    // (it holds no registry data), and the gateway turns any clear answer to an encrypted request into provider_error.
    const answer = await open(await reply(processor(), e), e);
    expect(answer).toMatchObject({ encrypted: false, status: 'signature_invalid' });
    expect(seen.length).toBe(before);
  });

  it('refuses a JWE encrypted to another key (another system, or one it no longer holds)', async () => {
    const before = seen.length;
    for (const key of [otherSystem, current]) {
      const e = await envelope({
        jwe: (rid) => encryptBody({ iin: IIN }, key.publicKey, { kid: keyThumbprint(key.publicKey), requestId: rid }),
      });
      const p = key === current ? processor({ keys: [previous.privateKey] }) : processor();
      expect(await open(await reply(p, e), e)).toMatchObject({ encrypted: false, status: 'signature_invalid' });
    }
    // And a kid that names this system's key over a body encrypted to another: the key agreement fails.
    const e = await envelope({
      jwe: (rid) =>
        encryptBody({ iin: IIN }, otherSystem.publicKey, { kid: keyThumbprint(current.publicKey), requestId: rid }),
    });
    expect(await open(await reply(processor(), e), e)).toMatchObject({ status: 'signature_invalid' });
    expect(seen.length).toBe(before);
  });

  it('refuses a clear body for a service that requires encryption, and answers one that does not in clear', async () => {
    const before = seen.length;
    const e = await clear('person-by-iin');
    expect(await open(await reply(processor(), e), e)).toMatchObject({
      encrypted: false,
      status: 'request_invalid',
      body: { detail: 'This service accepts only encrypted request bodies' },
    });
    expect(seen.length).toBe(before);
    const plain = await clear('person-in-clear');
    expect(await open(await reply(processor(), plain), plain)).toEqual({
      encrypted: false,
      status: 'ok',
      body: { iin: IIN, lastName: NAME },
    });
  });

  it('refuses an encrypted body when it holds no key (in clear, with no data)', async () => {
    const before = seen.length;
    const e = await envelope();
    const refused = await reply(processor({ keys: [] }), e);
    expect(refused).not.toContain(NAME);
    expect(await open(refused, e)).toMatchObject({ encrypted: false, status: 'request_invalid' });
    expect(seen.length).toBe(before);
  });
});
