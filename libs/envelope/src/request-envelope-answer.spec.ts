import { createSecretKey, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { CompactSign } from 'jose';
import {
  ReplayGuard,
  envelopeDigest,
  signAnswer,
  signEnvelope,
  signRequest,
  verifyAnswer,
  verifyEnvelope,
  verifySignedEnvelope,
  verifyRequest,
  type SignedRequest,
} from './index';

const consumer = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const otherSystem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const gateway = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const provider = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const now = new Date('2026-01-15T10:00:00Z');
const request: SignedRequest = {
  method: 'POST',
  path: '/r1/mju/population/person-by-iin',
  purpose: 'driving-licence',
  subject: '900101300123',
  requestId: '0b6f1f9e-6b0e-4b8e-9a53-2f1b7c1d3e01',
  body: '{"iin":"900101300123"}',
};
const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64url');

async function code(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe('request signature (Kopir-Signature)', () => {
  it('verifies against the request as received and reports who signed when', async () => {
    const signature = await signRequest(request, consumer.privateKey, { kid: 'psc/front-office', now });
    expect(signature.split('.')[1]).toBe('');
    const verified = await verifyRequest(signature, request, consumer.publicKey, { now });
    expect(verified).toMatchObject({ kid: 'psc/front-office', alg: 'ES256', issuedAt: now });
    expect(verified.payload.bodyDigest).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it.each([
    ['method', { method: 'GET' }],
    ['path', { path: '/r1/mju/population/other' }],
    ['purpose', { purpose: 'curiosity' }],
    ['subject', { subject: '900101300124' }],
    ['request id', { requestId: 'another' }],
    ['body', { body: '{"iin":"900101300124"}' }],
  ])('rejects a changed %s', async (_field, change) => {
    const signature = await signRequest(request, consumer.privateKey, { kid: 'k', now });
    expect(await code(verifyRequest(signature, { ...request, ...change }, consumer.publicKey, { now }))).toBe(
      'signature_invalid',
    );
  });

  it("rejects another system's key, a stale or future signature, and an attached payload", async () => {
    const signature = await signRequest(request, consumer.privateKey, { kid: 'k', now });
    expect(await code(verifyRequest(signature, request, otherSystem.publicKey, { now }))).toBe('signature_invalid');
    const later = new Date(now.getTime() + 331_000);
    expect(await code(verifyRequest(signature, request, consumer.publicKey, { now: later }))).toBe('request_expired');
    const earlier = new Date(now.getTime() - 31_000);
    expect(await code(verifyRequest(signature, request, consumer.publicKey, { now: earlier }))).toBe('request_expired');
    expect(
      await code(verifyRequest(signature, request, consumer.publicKey, { now: later, maxAgeSeconds: 600 })),
    ).toBeUndefined();
    const [h, , s] = signature.split('.');
    expect(await code(verifyRequest(`${h}.${b64('{}')}.${s}`, request, consumer.publicKey, { now }))).toBe(
      'signature_invalid',
    );
  });

  it('rejects none, HS256 with the public key, and algorithms outside the allow-list', async () => {
    const iat = Math.floor(now.getTime() / 1000);
    const none = `${b64(JSON.stringify({ alg: 'none', kid: 'k', typ: 'kopir-request+jws', iat }))}..`;
    expect(await code(verifyRequest(none, request, consumer.publicKey, { now }))).toBe('signature_invalid');
    const secret = createSecretKey(consumer.publicKey.export({ format: 'pem', type: 'spki' }) as Buffer);
    const hs = await new CompactSign(Buffer.from('{}'))
      .setProtectedHeader({ alg: 'HS256', kid: 'k', typ: 'kopir-request+jws', iat })
      .sign(secret);
    const [h, , s] = hs.split('.');
    expect(await code(verifyRequest(`${h}..${s}`, request, consumer.publicKey, { now }))).toBe('signature_invalid');
    const ed = generateKeyPairSync('ed25519');
    const eddsa = await signRequest(request, ed.privateKey, { kid: 'k', now });
    expect(await code(verifyRequest(eddsa, request, ed.publicKey, { now }))).toBe('signature_invalid');
    expect(await code(verifyRequest(eddsa, request, ed.publicKey, { now, algorithms: ['EdDSA'] }))).toBeUndefined();
  });
});

describe('envelope and answer', () => {
  async function exchange() {
    const consumerSignature = await signRequest(request, consumer.privateKey, { kid: 'psc/front-office', now });
    const envelope = await signEnvelope(
      {
        requestId: request.requestId,
        client: 'psc/front-office',
        service: 'mju/population/person-by-iin',
        purpose: request.purpose,
        subject: request.subject,
        fields: ['name', 'birthDate'],
        body: { iin: '900101300123' },
        consumerSignature,
      },
      gateway.privateKey,
      { kid: 'gateway', now },
    );
    const answer = await signAnswer(
      envelope,
      { requestId: request.requestId, status: 'ok', body: { name: 'Aigerim', birthDate: '1990-01-01' } },
      provider.privateKey,
      { kid: 'mju/population', now },
    );
    return { envelope, answer };
  }

  it('round-trips: the provider reads the envelope, the gateway and any third party check the answer', async () => {
    const { envelope, answer } = await exchange();
    const opened = await verifyEnvelope(envelope, gateway.publicKey, { now });
    expect(opened).toMatchObject({ client: 'psc/front-office', fields: ['name', 'birthDate'], exp: opened.iat + 30 });
    // The provider can check the consumer's own signature inside the envelope.
    await expect(verifyRequest(opened.consumerSignature, request, consumer.publicKey, { now })).resolves.toBeDefined();
    const verified = await verifyAnswer(answer, envelope, provider.publicKey, { now, requestId: request.requestId });
    expect(verified).toMatchObject({ status: 'ok', envelopeDigest: envelopeDigest(envelope) });
  });

  it('names the gateway key that signed an envelope, as resolved from its kid', async () => {
    const { envelope } = await exchange();
    const asked: string[] = [];
    const signed = await verifySignedEnvelope(
      envelope,
      (kid) => {
        asked.push(kid);
        return kid === 'gateway' ? gateway.publicKey : undefined;
      },
      { now },
    );
    expect({ kid: signed.kid, asked }).toEqual({ kid: 'gateway', asked: ['gateway'] });
    expect(signed.envelope).toEqual(await verifyEnvelope(envelope, gateway.publicKey, { now }));
    // No key under that kid: refused, whatever the resolver was asked.
    expect(await code(verifySignedEnvelope(envelope, () => undefined, { now }))).toBe('signature_invalid');
  });

  it('rejects an expired envelope, an answer to another envelope, and keys of the wrong party', async () => {
    const { envelope, answer } = await exchange();
    const late = new Date(now.getTime() + 61_000);
    expect(await code(verifyEnvelope(envelope, gateway.publicKey, { now: late }))).toBe('request_expired');
    expect(await code(verifyEnvelope(envelope, provider.publicKey, { now }))).toBe('signature_invalid');
    const { envelope: other } = await exchange();
    expect(await code(verifyAnswer(answer, other, provider.publicKey, { now }))).toBe('signature_invalid');
    expect(await code(verifyAnswer(answer, envelope, gateway.publicKey, { now }))).toBe('signature_invalid');
    expect(await code(verifyAnswer(answer, envelope, provider.publicKey, { now, requestId: 'x' }))).toBe(
      'signature_invalid',
    );
    // An envelope is not an answer, even when signed by the right key: typ differs.
    expect(await code(verifyAnswer(envelope, envelope, gateway.publicKey, { now }))).toBe('signature_invalid');
  });

  it('refuses an envelope with both or neither of body and bodyJwe', async () => {
    const fields = {
      requestId: 'r',
      client: 'psc/front-office',
      service: 'mju/population/person-by-iin',
      purpose: 'p',
      subject: 's',
      fields: [],
      consumerSignature: 'x',
    };
    expect(await code(signEnvelope(fields, gateway.privateKey, { kid: 'g' }))).toBe('request_invalid');
    expect(await code(signEnvelope({ ...fields, body: {}, bodyJwe: 'a' }, gateway.privateKey, { kid: 'g' }))).toBe(
      'request_invalid',
    );
  });

  it('rejects any single-byte change of a signed envelope or answer (property)', async () => {
    const { envelope, answer } = await exchange();
    for (const [jws, verify] of [
      [envelope, (t: string) => verifyEnvelope(t, gateway.publicKey, { now })],
      [answer, (t: string) => verifyAnswer(t, envelope, provider.publicKey, { now })],
    ] as const) {
      await fc.assert(
        fc.asyncProperty(fc.nat(jws.length - 1), fc.integer({ min: 1, max: 255 }), async (index, delta) => {
          const bytes = Buffer.from(jws, 'latin1');
          bytes[index] = ((bytes[index] ?? 0) + delta) % 256;
          const changed = bytes.toString('latin1');
          const result = await code(verify(changed));
          return result === 'signature_invalid' || result === 'request_expired';
        }),
        { numRuns: 300 },
      );
    }
  });
});

describe('ReplayGuard', () => {
  it('refuses a second use of an id within the window and forgets it after', () => {
    let clock = now.getTime();
    const guard = new ReplayGuard({ maxAgeSeconds: 60, clockSkewSeconds: 5, now: () => clock });
    guard.check('psc/front-office', 'a', now);
    expect(() => guard.check('psc/front-office', 'a', now)).toThrow(
      expect.objectContaining({ code: 'replay_detected' }),
    );
    guard.check('psc/front-office', 'b', now);
    clock += 69_000;
    expect(() => guard.check('psc/front-office', 'a', now)).toThrow(
      expect.objectContaining({ code: 'replay_detected' }),
    );
    clock += 2_000;
    guard.check('psc/front-office', 'c', new Date(clock));
    expect(guard.size).toBe(1);
    guard.check('psc/front-office', 'a', new Date(clock));
  });

  it("keeps each signer's ids apart: another system's id is not a replay, the same system's is", () => {
    const guard = new ReplayGuard();
    guard.check('mju/population', 'shared-1', now);
    guard.check('psc/front-office', 'shared-1', now);
    expect(() => guard.check('psc/front-office', 'shared-1', now)).toThrow(
      expect.objectContaining({ code: 'replay_detected' }),
    );
    expect(() => guard.check('mju/population', 'shared-1', now)).toThrow(
      expect.objectContaining({ code: 'replay_detected' }),
    );
    // No two (signer, id) pairs meet in one key, whatever the characters.
    guard.check('a/b', 'c');
    guard.check('a', 'b/c');
    expect(guard.size).toBe(4);
  });

  it('fails closed when full instead of forgetting live ids', () => {
    const guard = new ReplayGuard({ maxEntries: 2 });
    guard.check('psc/front-office', 'a');
    guard.check('psc/front-office', 'b');
    expect(() => guard.check('psc/front-office', 'c')).toThrow(
      expect.objectContaining({ code: 'rate_limited', retriable: true }),
    );
    expect(() => guard.check('psc/front-office', 'a')).toThrow(expect.objectContaining({ code: 'replay_detected' }));
  });
});
