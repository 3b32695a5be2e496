import {
  createHash,
  createHmac,
  createCipheriv,
  createPublicKey,
  createSecretKey,
  diffieHellman,
  generateKeyPairSync,
  randomBytes,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { inspect } from 'node:util';
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
const gateway = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }); // signs envelopes
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
    const { jwe } = await encryptBody(body, provider.publicKey, { kid: 'prov-1', requestId: RID });
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
    expect((await decryptBody(jwe, provider.privateKey, { requestId: RID })).body).toEqual(body);
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
        expect((await decryptBody(jwe, pair.privateKey, { requestId: RID })).body).toEqual(body);
      }
    }
  });

  it('refuses an ephemeral key off the curve, on another curve, with a private member, or an encrypted key part', async () => {
    const { jwe } = await encryptBody(body, provider.publicKey, { requestId: RID });
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
      .setProtectedHeader({
        alg: 'ECDH-ES',
        enc: 'A256GCM',
        typ: BODY_JWE_TYP,
        'kopir-rid': RID,
        crit: ['exp'],
        exp: 1,
      })
      .encrypt(provider.publicKey)
      .catch(() => undefined);
    if (crit !== undefined) expect(await code(decryptBody(crit, provider.privateKey))).toBe('signature_invalid');
    const { jwe } = await encryptBody(body, provider.publicKey, { requestId: RID });
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
      const { jwe } = await encryptBody(body, pair.publicKey, { requestId: RID });
      expect((await decryptBody(jwe, pair.privateKey)).body).toEqual(body);
      // An independent implementation agrees on the key agreement and the epk's coordinates too.
      const { plaintext } = await compactDecrypt(jwe, pair.privateKey);
      expect(JSON.parse(new TextDecoder().decode(plaintext))).toEqual(body);
    }
    const a = await encryptBody(body, provider.publicKey, { requestId: RID });
    const b = await encryptBody(body, provider.publicKey, { requestId: RID });
    expect(a.jwe).not.toBe(b.jwe);
  });

  it('refuses another provider key', async () => {
    const { jwe } = await encryptBody(body, provider.publicKey, { requestId: RID });
    expect(await code(decryptBody(jwe, otherProvider.privateKey))).toBe('signature_invalid');
  });

  it('refuses a tampered ciphertext, tag, IV or protected header', async () => {
    const { jwe } = await encryptBody(body, provider.publicKey, { requestId: RID });
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

  it('refuses a ciphertext bound to another request id, or to none', async () => {
    const { jwe } = await encryptBody(body, provider.publicKey, { requestId: RID });
    expect(await code(decryptBody(jwe, provider.privateKey, { requestId: 'another-request' }))).toBe(
      'signature_invalid',
    );
    // Every body JWE names its request: the answer key is derived for it.
    const unbound = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(body)))
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', typ: BODY_JWE_TYP })
      .encrypt(provider.publicKey);
    expect(await code(decryptBody(unbound, provider.privateKey, { requestId: RID }))).toBe('signature_invalid');
    expect(await code(decryptBody(unbound, provider.privateKey))).toBe('signature_invalid');
  });

  it('refuses algorithms outside the allow-list, even when the key would decrypt them', async () => {
    const plaintext = new TextEncoder().encode(JSON.stringify(body));
    const typ = BODY_JWE_TYP;
    const rid = { 'kopir-rid': RID };
    const kw = await new CompactEncrypt(plaintext)
      .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', typ, ...rid })
      .encrypt(provider.publicKey);
    expect(await compactDecrypt(kw, provider.privateKey)).toBeDefined(); // valid JWE, just not allowed
    expect(await code(decryptBody(kw, provider.privateKey))).toBe('signature_invalid');
    const cbc = await new CompactEncrypt(plaintext)
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A128CBC-HS256', typ, ...rid })
      .encrypt(provider.publicKey);
    expect(await code(decryptBody(cbc, provider.privateKey))).toBe('signature_invalid');
    const gcm128 = await new CompactEncrypt(plaintext)
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A128GCM', typ, ...rid })
      .encrypt(provider.publicKey);
    expect(await code(decryptBody(gcm128, provider.privateKey))).toBe('signature_invalid');
    // `dir` with a shared key: refused before any key is touched (`dir` is for answers only).
    const secret = createSecretKey(randomBytes(32));
    const dir = await new CompactEncrypt(plaintext)
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', typ, ...rid })
      .encrypt(secret);
    expect(await code(decryptBody(dir, provider.privateKey))).toBe('signature_invalid');
    expect(await code(decryptBody(dir, provider.privateKey, { algorithms: ['dir'] }))).toBe('request_invalid');
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
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', typ: BODY_JWE_TYP, 'kopir-rid': RID })
      .encrypt(provider.publicKey);
    expect(await code(decryptBody(notJson, provider.privateKey))).toBe('signature_invalid');
    const otherTyp = await new CompactEncrypt(new TextEncoder().encode('{}'))
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', typ: 'JWT', 'kopir-rid': RID })
      .encrypt(provider.publicKey);
    expect(await code(decryptBody(otherTyp, provider.privateKey))).toBe('signature_invalid');
  });

  it('refuses unusable keys: a private key to encrypt to, an RSA key, a public key to decrypt with', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(await code(encryptBody(body, provider.privateKey, { requestId: RID }))).toBe('request_invalid');
    expect(await code(encryptBody(body, rsa.publicKey, { requestId: RID }))).toBe('request_invalid');
    const { jwe } = await encryptBody(body, provider.publicKey, { requestId: RID });
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
    const { jwe: bodyJwe } = await encryptBody(body, provider.publicKey, { requestId: RID });
    const jws = await signEnvelope({ ...fields, bodyJwe }, gateway.privateKey, { kid: 'g' });
    // The body is not readable in the signed envelope (the subject stays in clear: routing and audit need it).
    const payload = Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString();
    expect(payload).not.toContain('Әлия');
    expect(payload).not.toContain('"iin"');
    const envelope = await verifyEnvelope(jws, gateway.publicKey);
    expect(envelope.body).toBeUndefined();
    const opened = await envelopeBody(envelope, provider.privateKey);
    expect(opened.body).toEqual(body);
    expect(opened.answerKey?.requestId).toBe(RID);
    expect(await code(envelopeBody(envelope, otherProvider.privateKey))).toBe('signature_invalid');
    expect(await code(envelopeBody(envelope, undefined))).toBe('request_invalid');
    expect(await envelopeBody({ requestId: RID, body: { clear: true } }, undefined)).toEqual({ body: { clear: true } });
  });

  it('cannot take the ciphertext of another request', async () => {
    const elsewhere = await encryptBody({ iin: '000000000000' }, provider.publicKey, { requestId: 'other-request' });
    const jws = await signEnvelope({ ...fields, bodyJwe: elsewhere.jwe }, gateway.privateKey, { kid: 'g' });
    const envelope = await verifyEnvelope(jws, gateway.publicKey);
    expect(await code(envelopeBody(envelope, provider.privateKey))).toBe('signature_invalid');
  });
});

describe('a key chosen by kid (a recipient with its current and previous key)', () => {
  const keyring = (kid: string | undefined) =>
    kid === 'current' ? provider.privateKey : kid === 'previous' ? otherProvider.privateKey : undefined;

  it('opens what was encrypted to either key, and refuses a kid it does not hold', async () => {
    const encrypt = async (key: KeyObject, kid?: string) =>
      (await encryptBody(body, key, { ...(kid === undefined ? {} : { kid }), requestId: RID })).jwe;
    expect((await decryptBody(await encrypt(provider.publicKey, 'current'), keyring)).body).toEqual(body);
    expect((await decryptBody(await encrypt(otherProvider.publicKey, 'previous'), keyring)).body).toEqual(body);
    expect(await code(decryptBody(await encrypt(provider.publicKey, 'retired'), keyring))).toBe('signature_invalid');
    expect(await code(decryptBody(await encrypt(provider.publicKey), keyring))).toBe('signature_invalid');
    // A kid that names the other key: the key agreement fails, nothing is returned.
    expect(await code(decryptBody(await encrypt(provider.publicKey, 'previous'), keyring))).toBe('signature_invalid');
  });
});

describe('the answer key (derived from the request key agreement) and the answer JWE', () => {
  const answerSigner = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const envelopeJws = 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln';
  const answerBody = { iin: '900101300123', firstName: 'Әлия' };
  const signed = (requestId = RID) =>
    signAnswer(envelopeJws, { requestId, status: 'ok', body: answerBody }, answerSigner.privateKey, { kid: 'p' });

  /** One encrypted request: the gateway's side (encryptBody) and the provider's (decryptBody). */
  async function exchange(requestId = RID) {
    const gatewaySide = await encryptBody(body, provider.publicKey, { kid: 'prov-1', requestId });
    const providerSide = await decryptBody(gatewaySide.jwe, provider.privateKey, { requestId });
    return { jwe: gatewaySide.jwe, gatewayKey: gatewaySide.answerKey, providerKey: providerSide.answerKey };
  }

  /** The request's ECDH-ES shared secret Z, as the provider computes it from the JWE's epk (RFC 7518 §4.6.2). */
  function sharedSecret(requestJwe: string): Buffer {
    const { epk } = JSON.parse(Buffer.from(part(requestJwe, 0), 'base64url').toString()) as { epk: JsonWebKey };
    return diffieHellman({ privateKey: provider.privateKey, publicKey: createPublicKey({ key: epk, format: 'jwk' }) });
  }

  /**
   * The answer key computed from the spec, independently of the library: HKDF-SHA256 of Z (RFC 5869 §2.2 extract
   * with no salt, i.e. 32 zero bytes; §2.3 expand, one block) with info "kopir-answer+A256GCM" 0x00 request id.
   */
  function specAnswerKey(requestJwe: string, requestId = RID): Buffer {
    const z = sharedSecret(requestJwe);
    const prk = createHmac('sha256', Buffer.alloc(32)).update(z).digest();
    const info = Buffer.concat([Buffer.from('kopir-answer+A256GCM'), Buffer.from([0]), Buffer.from(requestId)]);
    return createHmac('sha256', prk)
      .update(Buffer.concat([info, Buffer.from([1])]))
      .digest();
  }

  /** The request's content key (RFC 7518 §4.6.2 Concat KDF, AlgorithmID "A256GCM", empty apu/apv). */
  function requestCek(requestJwe: string): Buffer {
    const z = sharedSecret(requestJwe);
    const u32 = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
    return createHash('sha256')
      .update(Buffer.concat([u32(1), z, u32(7), Buffer.from('A256GCM'), u32(0), u32(0), u32(256)]))
      .digest();
  }

  function withHeader(jwe: string, change: Record<string, unknown>): string {
    const header = JSON.parse(Buffer.from(part(jwe, 0), 'base64url').toString()) as Record<string, unknown>;
    return withPart(jwe, 0, Buffer.from(JSON.stringify({ ...header, ...change })).toString('base64url'));
  }

  it('both ends derive the same key: what the provider encrypts, the gateway decrypts; the signature still covers the plaintext', async () => {
    const { gatewayKey, providerKey } = await exchange();
    const jws = await signed();
    const jwe = await encryptAnswer(jws, providerKey);
    expect(jwe.split('.')).toHaveLength(5);
    expect(part(jwe, 1)).toBe(''); // dir: no encrypted key (RFC 7518 §4.5)
    expect(Buffer.from(part(jwe, 2), 'base64url')).toHaveLength(12);
    const header = JSON.parse(Buffer.from(part(jwe, 0), 'base64url').toString()) as Record<string, unknown>;
    expect(header).toEqual({
      alg: 'dir',
      enc: 'A256GCM',
      typ: ANSWER_JWE_TYP,
      cty: 'kopir-answer+jws',
      'kopir-rid': RID,
    });
    expect(await decryptAnswer(jwe, gatewayKey)).toBe(jws);
    const answer = await verifyAnswer(jws, envelopeJws, answerSigner.publicKey, { requestId: RID });
    expect(answer.body).toEqual(answerBody);
    const detached = detachAnswer(jws, answer);
    await expect(
      verifyDetachedAnswer(detached, { requestId: RID, body: answerBody }, answerSigner.publicKey),
    ).resolves.toBeDefined();
    // A fresh IV each time: two encryptions of one answer differ.
    expect(await encryptAnswer(jws, providerKey)).not.toBe(jwe);
  });

  it('is the key the spec describes (HKDF-SHA256 of Z): jose decrypts the answer with those bytes, and the reverse', async () => {
    const { jwe: requestJwe, gatewayKey, providerKey } = await exchange();
    const keyBytes = specAnswerKey(requestJwe);
    const jws = await signed();
    const ours = await encryptAnswer(jws, providerKey);
    const opened = await compactDecrypt(ours, keyBytes, {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
    });
    expect(new TextDecoder().decode(opened.plaintext)).toBe(jws);
    expect(opened.protectedHeader['kopir-rid']).toBe(RID);
    const theirs = await new CompactEncrypt(new TextEncoder().encode(jws))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', typ: ANSWER_JWE_TYP, 'kopir-rid': RID })
      .encrypt(keyBytes);
    expect(await decryptAnswer(theirs, gatewayKey)).toBe(jws);
    // Independent of the request's content key: knowing one tells nothing of the other.
    expect(keyBytes.equals(requestCek(requestJwe))).toBe(false);
    await expect(compactDecrypt(ours, requestCek(requestJwe))).rejects.toThrow();
  });

  it('refuses an answer encrypted under another request key, even one with the same request id', async () => {
    const first = await exchange();
    const second = await exchange(); // same request id, another key agreement
    const other = await exchange('another-request');
    const jws = await signed();
    expect(await code(decryptAnswer(await encryptAnswer(jws, second.providerKey), first.gatewayKey))).toBe(
      'signature_invalid',
    );
    expect(await code(decryptAnswer(await encryptAnswer(jws, other.providerKey), first.gatewayKey))).toBe(
      'signature_invalid',
    );
    // The other request's key opens its own answer, so the refusals above are about the key.
    expect(await decryptAnswer(await encryptAnswer(jws, second.providerKey), second.gatewayKey)).toBe(jws);
  });

  it('refuses an answer whose kopir-rid was changed (our check, and GCM over the header as AAD)', async () => {
    const { jwe: requestJwe, gatewayKey, providerKey } = await exchange();
    const jwe = await encryptAnswer(await signed(), providerKey);
    expect(await code(decryptAnswer(withHeader(jwe, { 'kopir-rid': 'another-request' }), gatewayKey))).toBe(
      'signature_invalid',
    );
    // Past our own check: jose, with the right key bytes, refuses the changed header too.
    await expect(
      compactDecrypt(withHeader(jwe, { 'kopir-rid': 'another-request' }), specAnswerKey(requestJwe)),
    ).rejects.toThrow();
    expect(await code(decryptAnswer(withHeader(jwe, { 'kopir-rid': undefined }), gatewayKey))).toBe(
      'signature_invalid',
    );
  });

  it('refuses any alg but dir, any enc but A256GCM, crit, zip and the wrong typ, even under the right key', async () => {
    const { jwe: requestJwe, gatewayKey } = await exchange();
    const keyBytes = specAnswerKey(requestJwe);
    const jws = await signed();
    /** AES-256-GCM under the right key with any protected header: only the header checks can refuse it. */
    const handMade = (change: Record<string, unknown>): string => {
      const header = { alg: 'dir', enc: 'A256GCM', typ: ANSWER_JWE_TYP, 'kopir-rid': RID, ...change };
      const encodedHeader = Buffer.from(JSON.stringify(header)).toString('base64url');
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', keyBytes, iv);
      cipher.setAAD(Buffer.from(encodedHeader));
      const ciphertext = Buffer.concat([cipher.update(jws), cipher.final()]);
      return [encodedHeader, '', iv.toString('base64url'), ciphertext.toString('base64url')]
        .concat(cipher.getAuthTag().toString('base64url'))
        .join('.');
    };
    expect(await decryptAnswer(handMade({}), gatewayKey)).toBe(jws);
    for (const change of [
      { alg: 'ECDH-ES' },
      { alg: 'A256KW' },
      { alg: 'none' },
      { alg: undefined },
      { enc: 'A128GCM' },
      { enc: 'A256CBC-HS512' },
      { typ: BODY_JWE_TYP },
      { typ: undefined },
      { crit: ['kopir-rid'] },
      { zip: 'DEF' },
      { 'kopir-rid': 'another-request' },
      { 'kopir-rid': undefined },
    ]) {
      expect(await code(decryptAnswer(handMade(change), gatewayKey))).toBe('signature_invalid');
    }
  });

  it('refuses a tampered IV, ciphertext or tag, an encrypted-key part, and non-canonical base64url', async () => {
    const { gatewayKey, providerKey } = await exchange();
    const jwe = await encryptAnswer(await signed(), providerKey);
    for (const index of [2, 3, 4])
      expect(await code(decryptAnswer(flip(jwe, index), gatewayKey))).toBe('signature_invalid');
    const last = Buffer.from(part(jwe, 3), 'base64url').length - 1;
    expect(await code(decryptAnswer(flip(jwe, 3, last), gatewayKey))).toBe('signature_invalid');
    expect(await code(decryptAnswer(withPart(jwe, 1, 'AAAA'), gatewayKey))).toBe('signature_invalid');
    expect(await code(decryptAnswer(withPart(jwe, 2, 'AAAA'), gatewayKey))).toBe('signature_invalid');
    expect(await code(decryptAnswer('a.b.c', gatewayKey))).toBe('signature_invalid');
  });

  it('keeps answers and bodies apart: a body JWE is no answer, an answer JWE no body', async () => {
    const { jwe: requestJwe, gatewayKey, providerKey } = await exchange();
    expect(await code(decryptAnswer(requestJwe, gatewayKey))).toBe('signature_invalid');
    const answerJwe = await encryptAnswer(await signed(), providerKey);
    expect(await code(decryptBody(answerJwe, provider.privateKey, { requestId: RID }))).toBe('signature_invalid');
  });

  it('encrypts only a compact JWS, refuses a plaintext that is not one, and a handle it did not derive', async () => {
    const { jwe: requestJwe, gatewayKey, providerKey } = await exchange();
    expect(await code(encryptAnswer('{"status":"ok"}', providerKey))).toBe('request_invalid');
    const notJws = await new CompactEncrypt(new TextEncoder().encode('{"body":1}'))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', typ: ANSWER_JWE_TYP, 'kopir-rid': RID })
      .encrypt(specAnswerKey(requestJwe));
    expect(await code(decryptAnswer(notJws, gatewayKey))).toBe('signature_invalid');
    const lookAlike = { requestId: RID };
    expect(await code(encryptAnswer(await signed(), lookAlike))).toBe('request_invalid');
    const jwe = await encryptAnswer(await signed(), providerKey);
    expect(await code(decryptAnswer(jwe, lookAlike))).toBe('request_invalid');
  });

  it('never shows the key: the handle serialises and prints as its request id only', async () => {
    const { jwe: requestJwe, gatewayKey } = await exchange();
    const keyBytes = specAnswerKey(requestJwe);
    expect(JSON.stringify(gatewayKey)).toBe(JSON.stringify({ requestId: RID }));
    const printed = inspect(gatewayKey, { showHidden: true, depth: 10 });
    for (const encoding of ['hex', 'base64', 'base64url'] as const) {
      expect(printed).not.toContain(keyBytes.toString(encoding).slice(0, 16));
    }
    expect(Object.isFrozen(gatewayKey)).toBe(true);
  });

  it('verifyAnswer refuses an answer signed over a bodyJwe (the consumer could not check its body)', async () => {
    const jws = await signAnswer(
      envelopeJws,
      { requestId: RID, status: 'ok', ...{ bodyJwe: 'x.y.z' } },
      answerSigner.privateKey,
      { kid: 'p' },
    );
    expect(await code(verifyAnswer(jws, envelopeJws, answerSigner.publicKey))).toBe('signature_invalid');
  });
});
