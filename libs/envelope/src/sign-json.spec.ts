import { createPublicKey, createSecretKey, generateKeyPairSync, sign as rawSign, type KeyObject } from 'node:crypto';
import { CompactSign, compactVerify } from 'jose';
import { signJson, verifyJson } from './index';

const es256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const typ = 'kopir-test+jws';
const doc = { b: [1, 2, { z: true, a: null }], a: 'äö €', n: 1.5 };

const b64 = (value: string | Buffer): string => Buffer.from(value).toString('base64url');
const parts = (jws: string): [string, string, string] => jws.split('.') as [string, string, string];
const header = (jws: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(parts(jws)[0], 'base64url').toString()) as Record<string, unknown>;

async function rejects(promise: Promise<unknown>, code = 'signature_invalid'): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code });
}

describe('signJson / verifyJson', () => {
  it.each([
    ['ES256', es256],
    ['ES384', generateKeyPairSync('ec', { namedCurve: 'secp384r1' })],
    ['EdDSA', generateKeyPairSync('ed25519')],
    ['PS256', generateKeyPairSync('rsa', { modulusLength: 2048 })],
  ])('round-trips a document with %s chosen from the key', async (alg, keys) => {
    const jws = await signJson(doc, keys.privateKey, { kid: 'k1', typ });
    expect(header(jws)).toEqual({ alg, kid: 'k1', typ });
    expect(Buffer.from(parts(jws)[1], 'base64url').toString()).toBe(
      '{"a":"äö €","b":[1,2,{"a":null,"z":true}],"n":1.5}',
    );
    await expect(verifyJson(jws, keys.publicKey, { typ })).resolves.toEqual({ payload: doc, kid: 'k1', alg });
    // Interoperability with an independent JOSE implementation, both ways.
    await expect(compactVerify(jws, keys.publicKey)).resolves.toMatchObject({ protectedHeader: { alg } });
    const byJose = await new CompactSign(Buffer.from('{"a":1}'))
      .setProtectedHeader({ alg, kid: 'k1', typ })
      .sign(keys.privateKey);
    await expect(verifyJson(byJose, keys.publicKey, { typ })).resolves.toMatchObject({ payload: { a: 1 } });
  });

  it('accepts only the one spelling of each part: pad bits set in a last character, or a lone character, are refused', async () => {
    const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // Three payload lengths: 0, 1 and 2 bytes left over after the last full group (0, 2 and 3 final characters).
    for (const value of ['abc', 'abcd', 'abcde']) {
      const jws = await signJson({ v: value }, es256.privateKey, { kid: 'k1', typ });
      await expect(verifyJson(jws, es256.publicKey, { typ })).resolves.toMatchObject({ payload: { v: value } });
      const [h, p, sig] = parts(jws);
      for (const [i, part] of [h, p, sig].entries()) {
        const last = ALPHABET.indexOf(part.at(-1) ?? '');
        // The same bytes, spelt with an unused low bit set: Buffer decodes it alike, a verifier must not accept it.
        const padded = part.length % 4 === 0 ? undefined : `${part.slice(0, -1)}${ALPHABET[last | 1] ?? ''}`;
        const spellings = [...(padded === undefined || padded === part ? [] : [padded]), `${part}A`];
        for (const spelling of spellings) {
          const changed = [h, p, sig].map((x, j) => (j === i ? spelling : x)).join('.');
          await rejects(verifyJson(changed, es256.publicKey, { typ }));
        }
      }
    }
  });

  it('signs RS256 for RSA keys on request', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jws = await signJson(doc, rsa.privateKey, { kid: 'k', typ, rs256: true });
    expect((await verifyJson(jws, rsa.publicKey, { typ })).alg).toBe('RS256');
    await rejects(verifyJson(jws, rsa.publicKey, { typ, algorithms: ['PS256'] }));
  });

  it('resolves the key by kid and rejects an unknown kid', async () => {
    const jws = await signJson(doc, es256.privateKey, { kid: 'psc/front-office', typ });
    const keys = new Map<string, KeyObject>([['psc/front-office', es256.publicKey]]);
    await expect(verifyJson(jws, (kid) => keys.get(kid), { typ })).resolves.toMatchObject({ kid: 'psc/front-office' });
    await rejects(verifyJson(jws, () => undefined, { typ }));
  });

  it("rejects another key's signature", async () => {
    const jws = await signJson(doc, es256.privateKey, { kid: 'k', typ });
    await rejects(verifyJson(jws, other.publicKey, { typ }));
  });

  it('rejects a document of another type', async () => {
    const jws = await signJson(doc, es256.privateKey, { kid: 'k', typ: 'kopir-other+jws' });
    await rejects(verifyJson(jws, es256.publicKey, { typ }));
  });

  it('rejects a changed payload, header or signature', async () => {
    const jws = await signJson(doc, es256.privateKey, { kid: 'k', typ });
    const [h, p, s] = parts(jws);
    const changedPayload = b64('{"a":"äö €","b":[1,2,{"a":null,"z":false}],"n":1.5}');
    await rejects(verifyJson(`${h}.${changedPayload}.${s}`, es256.publicKey, { typ }));
    const changedHeader = b64(JSON.stringify({ alg: 'ES256', kid: 'k2', typ }));
    await rejects(verifyJson(`${changedHeader}.${p}.${s}`, es256.publicKey, { typ }));
    const sig = Buffer.from(s, 'base64url');
    sig[5] = (sig[5] ?? 0) ^ 1;
    await rejects(verifyJson(`${h}.${p}.${b64(sig)}`, es256.publicKey, { typ }));
    await rejects(verifyJson(`${h}.${p}`, es256.publicKey, { typ }));
    await rejects(verifyJson(`${h}.${p}.${s}.x`, es256.publicKey, { typ }));
    await rejects(verifyJson(`${h}.${p}.`, es256.publicKey, { typ }));
    await rejects(verifyJson(`${h}.${p}.${s}=`, es256.publicKey, { typ }));
  });

  it('rejects a correctly signed payload that is not in canonical form', async () => {
    // Signed by the right key, but with whitespace and unsorted members: two byte strings, one document.
    const jws = await new CompactSign(Buffer.from('{"n":1.5, "a":"x"}'))
      .setProtectedHeader({ alg: 'ES256', kid: 'k', typ })
      .sign(es256.privateKey);
    await rejects(verifyJson(jws, es256.publicKey, { typ }));
  });

  it('rejects alg none, whatever the caller allows', async () => {
    const unsecured = `${b64(JSON.stringify({ alg: 'none', kid: 'k', typ }))}.${b64('{"a":1}')}.`;
    await rejects(verifyJson(unsecured, es256.publicKey, { typ }));
    const withSig = `${b64(JSON.stringify({ alg: 'none', kid: 'k', typ }))}.${b64('{"a":1}')}.AAAA`;
    await rejects(verifyJson(withSig, es256.publicKey, { typ }));
    const none = ['no', 'ne'].join('');
    await rejects(verifyJson(withSig, es256.publicKey, { typ, algorithms: [none] }), 'request_invalid');
  });

  it('rejects HS256 made with the public key as an HMAC secret (algorithm confusion)', async () => {
    const secret = createSecretKey(es256.publicKey.export({ format: 'der', type: 'spki' }));
    const forged = await new CompactSign(Buffer.from('{"a":1}'))
      .setProtectedHeader({ alg: 'HS256', kid: 'k', typ })
      .sign(secret);
    await rejects(verifyJson(forged, es256.publicKey, { typ }));
    await rejects(verifyJson(forged, es256.publicKey, { typ, algorithms: ['HS256'] }), 'request_invalid');
  });

  it('rejects an algorithm swap to one the key does not fit', async () => {
    const jws = await signJson(doc, es256.privateKey, { kid: 'k', typ });
    const [, p, s] = parts(jws);
    for (const alg of ['ES384', 'EdDSA', 'PS256', 'RS256']) {
      await rejects(verifyJson(`${b64(JSON.stringify({ alg, kid: 'k', typ }))}.${p}.${s}`, es256.publicKey, { typ }));
    }
  });

  it('rejects headers with crit, b64 or an embedded key', async () => {
    const payload = b64('{"a":1}');
    for (const extra of [{ crit: ['exp'] }, { b64: false }, { jwk: {} }, { jku: 'https://x' }]) {
      const protectedHeader = b64(JSON.stringify({ alg: 'ES256', kid: 'k', typ, ...extra }));
      const signature = rawSign('sha256', Buffer.from(`${protectedHeader}.${payload}`), {
        key: es256.privateKey,
        dsaEncoding: 'ieee-p1363',
      });
      await rejects(verifyJson(`${protectedHeader}.${payload}.${b64(signature)}`, es256.publicKey, { typ }));
    }
  });

  it('refuses to sign without kid or typ, with a public key, or a non-JSON payload', async () => {
    await rejects(signJson(doc, es256.privateKey, { kid: '', typ }), 'request_invalid');
    await rejects(signJson(doc, es256.privateKey, { kid: 'k', typ: '' }), 'request_invalid');
    await rejects(signJson(doc, es256.publicKey, { kid: 'k', typ }), 'request_invalid');
    await rejects(signJson({ x: Number.NaN }, es256.privateKey, { kid: 'k', typ }), 'request_invalid');
    const p521 = generateKeyPairSync('ec', { namedCurve: 'secp521r1' });
    await rejects(signJson(doc, p521.privateKey, { kid: 'k', typ }), 'request_invalid');
  });

  it('refuses a private key where the public key is expected', async () => {
    const jws = await signJson(doc, es256.privateKey, { kid: 'k', typ });
    await rejects(verifyJson(jws, es256.privateKey, { typ }));
    await expect(verifyJson(jws, createPublicKey(es256.privateKey), { typ })).resolves.toBeDefined();
  });
});
