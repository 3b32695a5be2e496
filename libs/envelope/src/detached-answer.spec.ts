import { generateKeyPairSync } from 'node:crypto';
import { signAnswer, verifyAnswer } from './answer';
import { detachAnswer, verifyDetachedAnswer } from './detached-answer';

describe('detached answers', () => {
  const provider = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const envelope = 'eyJhbGciOiJFUzI1NiJ9.e30.sig';
  const body = { iin: '900101300123', firstName: 'Aigerim', addresses: [{ city: 'Astana' }] };

  async function detached() {
    const jws = await signAnswer(envelope, { requestId: 'r-1', status: 'ok', body }, provider.privateKey, {
      kid: 'p1',
    });
    return detachAnswer(jws, await verifyAnswer(jws, envelope, provider.publicKey, { requestId: 'r-1' }));
  }

  it('verifies the body a consumer received against the provider signature', async () => {
    const answer = await verifyDetachedAnswer(await detached(), { requestId: 'r-1', body }, provider.publicKey);
    expect(answer.body).toEqual(body);
  });

  it('returns what verifyAnswer returns for the whole answer, for a body of escapes, non-ASCII and numbers', async () => {
    const odd = {
      q: 'a"b\\c\n\u0001',
      é: '€😀\u2028',
      n: [0, -1.5, 1e21, 5e-324],
      '10': null,
      '9': true,
      nested: { z: [], a: {} },
    };
    const jws = await signAnswer(envelope, { requestId: 'r-9', status: 'ok', body: odd }, provider.privateKey, {
      kid: 'p1',
    });
    const whole = await verifyAnswer(jws, envelope, provider.publicKey, { requestId: 'r-9' });
    const received = JSON.parse(JSON.stringify(odd)) as unknown;
    const answer = await verifyDetachedAnswer(detachAnswer(jws, whole), { requestId: 'r-9', body: received }, (kid) =>
      kid === 'p1' ? provider.publicKey : undefined,
    );
    expect(answer).toStrictEqual(whole);
    expect(JSON.stringify(answer)).toBe(JSON.stringify(whole));
  });

  it('refuses a body that is not I-JSON before any signature work, as canonicalize does', async () => {
    await expect(
      verifyDetachedAnswer(await detached(), { requestId: 'r-1', body: { s: '\ud800' } }, provider.publicKey),
    ).rejects.toMatchObject({ code: 'request_invalid' });
  });

  it('accepts the body with its members in another order (the payload is rebuilt canonically)', async () => {
    const reordered = { addresses: [{ city: 'Astana' }], firstName: 'Aigerim', iin: '900101300123' };
    await expect(
      verifyDetachedAnswer(await detached(), { requestId: 'r-1', body: reordered }, provider.publicKey),
    ).resolves.toBeDefined();
  });

  it.each([
    ['a changed body', { requestId: 'r-1', body: { ...body, firstName: 'Other' } }],
    ['an extra field', { requestId: 'r-1', body: { ...body, taxDebt: 1 } }],
    ['another request id', { requestId: 'r-2', body }],
  ])('refuses %s', async (_, expected) => {
    await expect(verifyDetachedAnswer(await detached(), expected, provider.publicKey)).rejects.toMatchObject({
      code: 'signature_invalid',
    });
  });

  it('refuses another key, a changed issued-at or envelope digest, and a signature that is not detached', async () => {
    const d = await detached();
    const expected = { requestId: 'r-1', body };
    await expect(verifyDetachedAnswer(d, expected, other.publicKey)).rejects.toMatchObject({
      code: 'signature_invalid',
    });
    await expect(
      verifyDetachedAnswer({ ...d, issuedAt: d.issuedAt + 1 }, expected, provider.publicKey),
    ).rejects.toThrow();
    await expect(
      verifyDetachedAnswer({ ...d, envelopeDigest: 'A'.repeat(43) }, expected, provider.publicKey),
    ).rejects.toThrow();
    await expect(
      verifyDetachedAnswer({ ...d, signature: d.signature.replace('..', '.e30.') }, expected, provider.publicKey),
    ).rejects.toMatchObject({ code: 'signature_invalid' });
  });
});
