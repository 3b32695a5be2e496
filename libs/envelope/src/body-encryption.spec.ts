import { createSecretKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { CompactEncrypt, compactDecrypt } from 'jose';
import {
  ANSWER_JWE_TYP,
  BODY_JWE_TYP,
  decryptAnswer,
  decryptBody,
  encryptAnswer,
  encryptBody,
  envelopeBody,
  signAnswer,
  signEnvelope,
  verifyAnswer,
  verifyDetachedAnswer,
  detachAnswer,
  verifyEnvelope,
  type EnvelopeFields,
} from './index';

const provider = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const otherProvider = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const gateway = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const body = { iin: '900101300123', name: 'Әлия', nested: { list: [1, 2.5, true, null] } };
const RID = '0b6f1f9e-6b0e-4b8e-9a53-2f1b7c1d3e01';

async function code(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

function part(jwe: string, index: number): string {
  return jwe.split('.')[index] ?? '';
}

function withPart(jwe: string, index: number, value: string): string {
  const parts = jwe.split('.');
  parts[index] = value;
  return parts.join('.');
}

/** Flips one bit of a base64url part (decoded, changed, re-encoded: the change is real, not an encoding artefact). */
function flip(jwe: string, index: number, byte = 0): string {
  const bytes = Buffer.from(part(jwe, index), 'base64url');
  bytes[byte] = (bytes[byte] ?? 0) ^ 0x01;
  return withPart(jwe, index, bytes.toString('base64url'));
}

describe('encryptBody / decryptBody (JWE ECDH-ES + A256GCM)', () => {
  it('round-trips a JSON body, and any JOSE library (jose here) can decrypt it with the provider key', async () => {
    const jwe = await encryptBody(body, provider.publicKey, { kid: 'prov-1', requestId: RID });
    expect(jwe.split('.')).toHaveLength(5);
    // ECDH-ES direct agreement: no encrypted key part (RFC 7516 §A.x, RFC 7518 §4.6).
    expect(part(jwe, 1)).toBe('');
    const header = JSON.parse(Buffer.from(part(jwe, 0), 'base64url').toString()) as Record<string, unknown>;
    expect(header).toMatchObject({
      alg: 'ECDH-ES',
      enc: 'A256GCM',
      typ: BODY_JWE_TYP,
      kid: 'prov-1',
      'kopir-rid': RID,
    });
    expect(jwe).not.toContain(Buffer.from('900101300123').toString('base64url').slice(0, 8));
    expect(await decryptBody(jwe, provider.privateKey, { requestId: RID })).toEqual(body);
    const { plaintext } = await compactDecrypt(jwe, provider.privateKey);
    expect(JSON.parse(new TextDecoder().decode(plaintext))).toEqual(body);
  });

  it('decrypts what jose encrypts (ECDH-ES + A256GCM, with or without apu/apv) for P-256, P-384 and X25519 keys', async () => {
    const pairs = [provider, generateKeyPairSync('ec', { namedCurve: 'secp384r1' }), generateKeyPairSync('x25519')];
    for (const pair of pairs) {
      for (const party of [{}, { apu: Buffer.from('gateway'), apv: Buffer.from('mju/population') }]) {
        const encrypt = new CompactEncrypt(new TextEncoder().encode(JSON.stringify(body))).setProtectedHeader({
          alg: 'ECDH-ES',
          enc: 'A256GCM',
          typ: BODY_JWE_TYP,
          'kopir-rid': RID,
        });
        if ('apu' in party) encrypt.setKeyManagementParameters(party);
        const jwe = await encrypt.encrypt(pair.publicKey);
        expect(await decryptBody(jwe, pair.privateKey, { requestId: RID })).toEqual(body);
      }
    }
  });

  it('refuses an ephemeral key off the curve, on another curve, with a private member, or an encrypted key part', async () => {
    const jwe = await encryptBody(body, provider.publicKey, { requestId: RID });
    const header = JSON.parse(Buffer.from(part(jwe, 0), 'base64url').toString()) as { epk: Record<string, string> };
    const withHeader = (h: object) => withPart(jwe, 0, Buffer.from(JSON.stringify(h)).toString('base64url'));
    const y = Buffer.from(header.epk.y ?? '', 'base64url');
    y[31] = (y[31] ?? 0) ^ 0x01;
    const offCurve = withHeader({ ...header, epk: { ...header.epk, y: y.toString('base64url') } });
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ format: 'jwk' });
    const otherCurve = withHeader({ ...header, epk: p384 });
    const withD = withHeader({ ...header, epk: { ...header.epk, d: 'AAAA' } });
    for (const bad of [offCurve, otherCurve, withD, withPart(jwe, 1, 'AAAA')]) {
      expect(await code(decryptBody(bad, provider.privateKey, { requestId: RID }))).toBe('signature_invalid');
    }
  });

  it('refuses crit and zip headers and a part that is not canonical base64url', async () => {
    const plaintext = new TextEncoder().encode(JSON.stringify(body));
    const crit = await new CompactEncrypt(plaintext)
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', typ: BODY_JWE_TYP, crit: ['exp'], exp: 1 })
      .encrypt(provider.publicKey)
      .catch(() => undefined);
    if (crit !== undefined) expect(await code(decryptBody(crit, provider.privateKey))).toBe('signature_invalid');
    const jwe = await encryptBody(body, provider.publicKey);
    const header = JSON.parse(Buffer.from(part(jwe, 0), 'base64url').toString()) as Record<string, unknown>;
    for (const extra of [{ crit: ['x'] }, { zip: 'DEF' }]) {
      const changed = withPart(jwe, 0, Buffer.from(JSON.stringify({ ...header, ...extra })).toString('base64url'));
      expect(await code(decryptBody(changed, provider.privateKey))).toBe('signature_invalid');
    }
    // The 16-byte tag is 22 base64url characters whose last one carries 4 unused bits: set one of them.
    const tag = part(jwe, 4);
    const last = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const spelled = tag.slice(0, -1) + (last[last.indexOf(tag.at(-1) ?? 'A') + 1] ?? 'B');
    expect(Buffer.from(spelled, 'base64url').equals(Buffer.from(tag, 'base64url'))).toBe(true);
    expect(await code(decryptBody(withPart(jwe, 4, spelled), provider.privateKey))).toBe('signature_invalid');
  });

  it('works with P-384 and X25519 provider keys; two encryptions of one body differ', async () => {
    for (const pair of [generateKeyPairSync('ec', { namedCurve: 'secp384r1' }), generateKeyPairSync('x25519')]) {
      const jwe = await encryptBody(body, pair.publicKey);
      expect(await decryptBody(jwe, pair.privateKey)).toEqual(body);
    }
    const a = await encryptBody(body, provider.publicKey);
    const b = await encryptBody(body, provider.publicKey);
    expect(a).not.toBe(b);
  });

  it('refuses another provider key', async () => {
    const jwe = await encryptBody(body, provider.publicKey);
    expect(await code(decryptBody(jwe, otherProvider.privateKey))).toBe('signature_invalid');
  });

  it('refuses a tampered ciphertext, tag, IV or protected header', async () => {
    const jwe = await encryptBody(body, provider.publicKey, { requestId: RID });
    for (const index of [2, 3, 4])
      expect(await code(decryptBody(flip(jwe, index), provider.privateKey))).toBe('signature_invalid');
    const last = Buffer.from(part(jwe, 3), 'base64url').length - 1;
    expect(await code(decryptBody(flip(jwe, 3, last), provider.privateKey))).toBe('signature_invalid');
    // A header rewritten to another request id (the header is the AAD, so GCM refuses it even past our own check).
    const header = JSON.parse(Buffer.from(part(jwe, 0), 'base64url').toString()) as Record<string, unknown>;
    const forged = withPart(
      jwe,
      0,
      Buffer.from(JSON.stringify({ ...header, 'kopir-rid': 'other' })).toString('base64url'),
    );
    expect(await code(decryptBody(forged, provider.privateKey))).toBe('signature_invalid');
    expect(await code(decryptBody(forged, provider.privateKey, { requestId: 'other' }))).toBe('signature_invalid');
    expect(await code(decryptBody('not.a.jwe', provider.privateKey))).toBe('signature_invalid');
  });

  it('refuses a ciphertext bound to another request id, or to none when one is expected', async () => {
    const jwe = await encryptBody(body, provider.publicKey, { requestId: RID });
    expect(await code(decryptBody(jwe, provider.privateKey, { requestId: 'another-request' }))).toBe(
      'signature_invalid',
    );
    const unbound = await encryptBody(body, provider.publicKey);
    expect(await code(decryptBody(unbound, provider.privateKey, { requestId: RID }))).toBe('signature_invalid');
  });

  it('refuses algorithms outside the allow-list, even when the key would decrypt them', async () => {
    const plaintext = new TextEncoder().encode(JSON.stringify(body));
    const typ = BODY_JWE_TYP;
    const kw = await new CompactEncrypt(plaintext)
      .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', typ })
      .encrypt(provider.publicKey);
    expect(await compactDecrypt(kw, provider.privateKey)).toBeDefined(); // valid JWE, just not allowed
    expect(await code(decryptBody(kw, provider.privateKey))).toBe('signature_invalid');
    const cbc = await new CompactEncrypt(plaintext)
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A128CBC-HS256', typ })
      .encrypt(provider.publicKey);
    expect(await code(decryptBody(cbc, provider.privateKey))).toBe('signature_invalid');
    const gcm128 = await new CompactEncrypt(plaintext)
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A128GCM', typ })
      .encrypt(provider.publicKey);
    expect(await code(decryptBody(gcm128, provider.privateKey))).toBe('signature_invalid');
    // `dir` with a shared key: refused before any key is touched.
    const secret = createSecretKey(randomBytes(32));
    const dir = await new CompactEncrypt(plaintext)
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', typ })
      .encrypt(secret);
    expect(await code(decryptBody(dir, provider.privateKey))).toBe('signature_invalid');
    // A caller cannot widen the allow-list.
    expect(await code(decryptBody(kw, provider.privateKey, { algorithms: ['ECDH-ES+A256KW'] }))).toBe(
      'request_invalid',
    );
    expect(await code(decryptBody(cbc, provider.privateKey, { encryptions: ['A128CBC-HS256'] }))).toBe(
      'request_invalid',
    );
  });

  it('refuses the wrong typ and a plaintext that is not JSON', async () => {
    const notJson = await new CompactEncrypt(new TextEncoder().encode('{not json'))
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', typ: BODY_JWE_TYP })
      .encrypt(provider.publicKey);
    expect(await code(decryptBody(notJson, provider.privateKey))).toBe('signature_invalid');
    const otherTyp = await new CompactEncrypt(new TextEncoder().encode('{}'))
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', typ: 'JWT' })
      .encrypt(provider.publicKey);
    expect(await code(decryptBody(otherTyp, provider.privateKey))).toBe('signature_invalid');
  });

  it('refuses unusable keys: a private key to encrypt to, an RSA key, a public key to decrypt with', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(await code(encryptBody(body, provider.privateKey))).toBe('request_invalid');
    expect(await code(encryptBody(body, rsa.publicKey))).toBe('request_invalid');
    const jwe = await encryptBody(body, provider.publicKey);
    expect(await code(decryptBody(jwe, provider.publicKey))).toBe('request_invalid');
  });
});

describe('an envelope carrying bodyJwe', () => {
  const fields: Omit<EnvelopeFields, 'body' | 'bodyJwe'> = {
    requestId: RID,
    client: 'psc/front-office',
    service: 'mju/population/person-by-iin',
    purpose: 'driving-licence',
    subject: '900101300123',
    fields: ['name'],
    consumerSignature: 'header..signature',
  };

  it('is signed by the gateway, verified and opened by the provider only', async () => {
    const bodyJwe = await encryptBody(body, provider.publicKey, { requestId: RID });
    const jws = await signEnvelope({ ...fields, bodyJwe }, gateway.privateKey, { kid: 'g' });
    // The body is not readable in the signed envelope (the subject stays in clear: routing and audit need it).
    const payload = Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString();
    expect(payload).not.toContain('Әлия');
    expect(payload).not.toContain('"iin"');
    const envelope = await verifyEnvelope(jws, gateway.publicKey);
    expect(envelope.body).toBeUndefined();
    expect(await envelopeBody(envelope, provider.privateKey)).toEqual(body);
    expect(await code(envelopeBody(envelope, otherProvider.privateKey))).toBe('signature_invalid');
    expect(await code(envelopeBody(envelope, undefined))).toBe('request_invalid');
    expect(await envelopeBody({ requestId: RID, body: { clear: true } }, undefined)).toEqual({ clear: true });
  });

  it('cannot take the ciphertext of another request', async () => {
    const elsewhere = await encryptBody({ iin: '000000000000' }, provider.publicKey, { requestId: 'other-request' });
    const jws = await signEnvelope({ ...fields, bodyJwe: elsewhere }, gateway.privateKey, { kid: 'g' });
    const envelope = await verifyEnvelope(jws, gateway.publicKey);
    expect(await code(envelopeBody(envelope, provider.privateKey))).toBe('signature_invalid');
  });
});

describe('a key chosen by kid (a recipient with its current and previous key)', () => {
  const keyring = (kid: string | undefined) =>
    kid === 'current' ? provider.privateKey : kid === 'previous' ? otherProvider.privateKey : undefined;

  it('opens what was encrypted to either key, and refuses a kid it does not hold', async () => {
    const toCurrent = await encryptBody(body, provider.publicKey, { kid: 'current' });
    const toPrevious = await encryptBody(body, otherProvider.publicKey, { kid: 'previous' });
    expect(await decryptBody(toCurrent, keyring)).toEqual(body);
    expect(await decryptBody(toPrevious, keyring)).toEqual(body);
    const unknown = await encryptBody(body, provider.publicKey, { kid: 'retired' });
    expect(await code(decryptBody(unknown, keyring))).toBe('signature_invalid');
    const none = await encryptBody(body, provider.publicKey);
    expect(await code(decryptBody(none, keyring))).toBe('signature_invalid');
    // A kid that names the other key: the key agreement fails, nothing is returned.
    const lying = await encryptBody(body, provider.publicKey, { kid: 'previous' });
    expect(await code(decryptBody(lying, keyring))).toBe('signature_invalid');
  });
});

describe('encryptAnswer / decryptAnswer (the signed answer, encrypted whole to the gateway)', () => {
  const answerKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const envelopeJws = 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln';
  const answerBody = { iin: '900101300123', firstName: 'Әлия' };

  it('keeps the signature over the plaintext body: the decrypted answer verifies, and detached as the consumer gets it', async () => {
    const jws = await signAnswer(
      envelopeJws,
      { requestId: RID, status: 'ok', body: answerBody },
      answerKey.privateKey,
      {
        kid: 'p',
      },
    );
    const jwe = await encryptAnswer(jws, gateway.publicKey, { kid: 'gw', requestId: RID });
    expect(jwe.split('.')).toHaveLength(5);
    const header = JSON.parse(Buffer.from(part(jwe, 0), 'base64url').toString()) as Record<string, unknown>;
    expect(header).toMatchObject({ alg: 'ECDH-ES', enc: 'A256GCM', typ: ANSWER_JWE_TYP, kid: 'gw', 'kopir-rid': RID });
    expect(await decryptAnswer(jwe, gateway.privateKey, { requestId: RID })).toBe(jws);
    const answer = await verifyAnswer(jws, envelopeJws, answerKey.publicKey, { requestId: RID });
    expect(answer.body).toEqual(answerBody);
    const detached = detachAnswer(jws, answer);
    await expect(
      verifyDetachedAnswer(detached, { requestId: RID, body: answerBody }, answerKey.publicKey),
    ).resolves.toBeDefined();
  });

  it('refuses another key, another request id, a tampered part, and a body JWE offered as an answer', async () => {
    const jws = await signAnswer(
      envelopeJws,
      { requestId: RID, status: 'ok', body: answerBody },
      answerKey.privateKey,
      {
        kid: 'p',
      },
    );
    const jwe = await encryptAnswer(jws, gateway.publicKey, { requestId: RID });
    expect(await code(decryptAnswer(jwe, provider.privateKey, { requestId: RID }))).toBe('signature_invalid');
    expect(await code(decryptAnswer(jwe, gateway.privateKey, { requestId: 'another' }))).toBe('signature_invalid');
    expect(await code(decryptAnswer(flip(jwe, 3), gateway.privateKey, { requestId: RID }))).toBe('signature_invalid');
    const bodyJwe = await encryptBody(answerBody, gateway.publicKey, { requestId: RID });
    expect(await code(decryptAnswer(bodyJwe, gateway.privateKey, { requestId: RID }))).toBe('signature_invalid');
    // and an answer JWE offered as a body
    expect(await code(decryptBody(jwe, gateway.privateKey, { requestId: RID }))).toBe('signature_invalid');
  });

  it('encrypts only a compact JWS, and refuses a plaintext that is not one', async () => {
    expect(await code(encryptAnswer('{"status":"ok"}', gateway.publicKey))).toBe('request_invalid');
    const notJws = await new CompactEncrypt(new TextEncoder().encode('{"body":1}'))
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', typ: ANSWER_JWE_TYP })
      .encrypt(gateway.publicKey);
    expect(await code(decryptAnswer(notJws, gateway.privateKey))).toBe('signature_invalid');
  });

  it('verifyAnswer refuses an answer signed over a bodyJwe (the consumer could not check its body)', async () => {
    const signed = await signAnswer(
      envelopeJws,
      { requestId: RID, status: 'ok', ...{ bodyJwe: 'x.y.z' } },
      answerKey.privateKey,
      { kid: 'p' },
    );
    expect(await code(verifyAnswer(signed, envelopeJws, answerKey.publicKey))).toBe('signature_invalid');
  });
});
