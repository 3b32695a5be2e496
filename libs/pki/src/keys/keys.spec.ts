import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import {
  certificateFingerprint,
  generateKeyPair,
  generateSigningKey,
  jwkToPublicKey,
  keyThumbprint,
  keysByKid,
  loadPrivateKey,
  loadPublicKey,
  privateKeyToPem,
  publicKeyToJwk,
  publicKeyToPem,
} from '../index';

describe('keys', () => {
  it('generates ECDSA P-256 signing keys by default and the curve each algorithm needs', () => {
    const { privateKey, publicKey } = generateSigningKey();
    expect(privateKey.type).toBe('private');
    expect(publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(generateSigningKey('ES384').publicKey.asymmetricKeyDetails?.namedCurve).toBe('secp384r1');
    expect(generateSigningKey('EdDSA').publicKey.asymmetricKeyType).toBe('ed25519');
    expect(generateKeyPair('RSA-2048').publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it('refuses an unknown key type or algorithm with request_invalid', () => {
    expect(() => generateKeyPair('P-192' as never)).toThrow(expect.objectContaining({ code: 'request_invalid' }));
    expect(() => generateSigningKey('HS256' as never)).toThrow(expect.objectContaining({ code: 'request_invalid' }));
  });

  it('round-trips keys through PEM and refuses a private key where a public one is expected', () => {
    const { privateKey, publicKey } = generateSigningKey();
    const loaded = loadPrivateKey(privateKeyToPem(privateKey));
    expect(loaded.equals(privateKey)).toBe(true);
    expect(loadPublicKey(publicKeyToPem(publicKey)).equals(publicKey)).toBe(true);
    expect(publicKeyToPem(privateKey)).toBe(publicKeyToPem(publicKey));
    expect(() => loadPublicKey(privateKeyToPem(privateKey))).toThrow(
      expect.objectContaining({ code: 'request_invalid' }),
    );
    expect(() => privateKeyToPem(publicKey)).toThrow(expect.objectContaining({ code: 'request_invalid' }));
    expect(() => loadPrivateKey('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n')).toThrow(
      expect.objectContaining({ code: 'request_invalid' }),
    );
  });

  it('names a missing key file in a typed error', () => {
    expect(() => loadPrivateKey('/nonexistent/kopir/key.pem')).toThrow(
      expect.objectContaining({ code: 'request_invalid' }),
    );
  });

  it('computes the RFC 7638 §3.1 example thumbprint', () => {
    // The RSA key of RFC 7638 §3.1 and its published thumbprint.
    const jwk = {
      kty: 'RSA',
      n:
        '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMs' +
        'tn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn' +
        '1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    };
    expect(keyThumbprint(jwkToPublicKey(jwk))).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('publishes public JWKs with their thumbprint as kid and refuses JWKs with private members', () => {
    const { privateKey, publicKey } = generateSigningKey();
    const jwk = publicKeyToJwk(privateKey);
    expect(Object.keys(jwk).sort()).toEqual(['crv', 'kid', 'kty', 'x', 'y']);
    expect(jwk.kid).toBe(keyThumbprint(publicKey));
    expect(jwkToPublicKey(jwk).equals(publicKey)).toBe(true);
    const leaking = privateKey.export({ format: 'jwk' });
    expect(() => jwkToPublicKey(leaking)).toThrow(expect.objectContaining({ code: 'request_invalid' }));
    expect(() => jwkToPublicKey({ kty: 'oct', k: 'c2VjcmV0' })).toThrow(
      expect.objectContaining({ code: 'request_invalid' }),
    );
    expect(() => jwkToPublicKey({ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' })).toThrow(
      expect.objectContaining({ code: 'request_invalid' }),
    );
    expect(() => jwkToPublicKey('{}')).toThrow(expect.objectContaining({ code: 'request_invalid' }));
  });

  it('gives Ed25519 keys an OKP thumbprint that differs between keys', () => {
    const a = generateKeyPairSync('ed25519').publicKey;
    const b = generateKeyPairSync('ed25519').publicKey;
    expect(publicKeyToJwk(a).kty).toBe('OKP');
    expect(keyThumbprint(a)).not.toBe(keyThumbprint(b));
    expect(keyThumbprint(a)).toBe(keyThumbprint(createPublicKey(publicKeyToPem(a))));
  });

  it('finds a private key by the thumbprint of its public half, and nothing for another kid', () => {
    const current = generateKeyPair('P-256').privateKey;
    const previous = generateKeyPair('P-256').privateKey;
    const lookup = keysByKid([current, previous]);
    expect(lookup(keyThumbprint(current))).toBe(current);
    expect(lookup(keyThumbprint(createPublicKey(previous)))).toBe(previous);
    expect(lookup(keyThumbprint(generateKeyPair('P-256').publicKey))).toBeUndefined();
    // No kid: only a single key is a safe guess.
    expect(lookup(undefined)).toBeUndefined();
    expect(keysByKid([current])(undefined)).toBe(current);
  });

  it('refuses to fingerprint what is not a certificate', () => {
    expect(() => certificateFingerprint('not a certificate')).toThrow(
      expect.objectContaining({ code: 'request_invalid' }),
    );
  });
});
