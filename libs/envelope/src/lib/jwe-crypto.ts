import {
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHash,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  randomBytes,
  type ECDH,
  type KeyObject,
} from 'node:crypto';
import { SignatureInvalidError } from '../errors';
import { B64URL, decodeUtf8, isCanonicalBase64url } from './compact';

/**
 * Compact JWE with ECDH-ES direct key agreement and A256GCM (RFC 7516 §5.1 and §5.2, RFC 7518 §4.6 and §5.3), and
 * with `dir` (RFC 7518 §4.5) under a key the caller derived, with node:crypto, synchronously. jose computes the same
 * through WebCrypto's async API, which cost about 6× the key
 * agreement itself on this workload (test/bench/envelope.bench.ts: 2.8 ms of CPU per round trip of an encrypted
 * service); the tests decrypt with jose what this encrypts, and the reverse. The algorithm checks and the allow-lists
 * stay with the callers in body-encryption.ts: this file only computes.
 */

/** RFC 7518 §5.3: A256GCM uses a 256-bit key, a 96-bit IV and a 128-bit tag. */
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** JWK curve names (RFC 7518 §6.2.1.1, RFC 8037 §2) of the recipient keys ECDH-ES is used with here. */
const CURVES: Readonly<Record<string, string>> = { prime256v1: 'P-256', secp384r1: 'P-384' };

/** The JWK `kty` and `crv` an ephemeral key must have to agree with `key`, or undefined for a key we do not use. */
export function ecdhCurve(key: KeyObject): { readonly kty: 'EC' | 'OKP'; readonly crv: string } | undefined {
  if (key.asymmetricKeyType === 'x25519') return { kty: 'OKP', crv: 'X25519' };
  const crv = CURVES[key.asymmetricKeyDetails?.namedCurve ?? ''];
  return key.asymmetricKeyType === 'ec' && crv !== undefined ? { kty: 'EC', crv } : undefined;
}

function lengthPrefixed(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/**
 * RFC 7518 §4.6.2: the Concat KDF of NIST SP 800-56A §5.8.1 with SHA-256. For direct ECDH-ES the AlgorithmID is the
 * `enc` value and the key is 256 bits, so one round: SHA-256(counter 1 || Z || OtherInfo).
 */
function concatKdf(z: Buffer, enc: string, apu: Buffer, apv: Buffer): Buffer {
  const suppPubInfo = Buffer.alloc(4);
  suppPubInfo.writeUInt32BE(KEY_BYTES * 8);
  return createHash('sha256')
    .update(Buffer.from([0, 0, 0, 1]))
    .update(z)
    .update(lengthPrefixed(Buffer.from(enc, 'ascii')))
    .update(lengthPrefixed(apu))
    .update(lengthPrefixed(apv))
    .update(suppPubInfo)
    .digest();
}

/** A request JWE and the ECDH shared secret Z it was made with, from which the caller derives the answer key. */
export interface SealedRequest {
  readonly jwe: string;
  readonly sharedSecret: Buffer;
}

/**
 * Encrypts `plaintext` to `recipient` (a public key {@link ecdhCurve} accepts): a fresh ephemeral key on the same
 * curve, Z by ECDH with the recipient, the content key by the Concat KDF, AES-256-GCM with the encoded protected
 * header as additional data (RFC 7516 §5.1 step 14). `header` is completed with alg, enc and epk.
 */
export function encryptCompact(
  plaintext: Uint8Array,
  recipient: KeyObject,
  header: Record<string, unknown>,
): SealedRequest {
  const curve = ecdhCurve(recipient);
  if (curve === undefined) throw new TypeError('not an ECDH-ES recipient key');
  const { z, epk } = curve.kty === 'OKP' ? agreeX25519(recipient) : agreeEc(recipient, curve.crv);
  const cek = concatKdf(z, 'A256GCM', Buffer.alloc(0), Buffer.alloc(0));
  const jwe = seal(plaintext, cek, { ...header, alg: 'ECDH-ES', enc: 'A256GCM', epk });
  return { jwe, sharedSecret: z };
}

/** A fresh X25519 key, Z with the recipient, and the ephemeral public key as the JWE's epk (RFC 8037 §2). */
function agreeX25519(recipient: KeyObject): { z: Buffer; epk: Record<string, unknown> } {
  const ephemeral = generateKeyPairSync('x25519');
  const jwk = ephemeral.publicKey.export({ format: 'jwk' });
  return {
    z: diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient }),
    epk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x },
  };
}

/** The recipient's public point, SEC 1 §2.3.3 uncompressed (0x04 || X || Y), made once per key. */
const points = new WeakMap<KeyObject, Buffer>();

/**
 * A fresh key on the recipient's curve, Z with the recipient, and the ephemeral public key as the JWE's epk (RFC 7518
 * §6.2.1). With node:crypto's ECDH object rather than a KeyObject pair, ECDH and a JWK export: the same random key,
 * the same Z, the same coordinates (fixed-length, as JWK requires), for about a quarter less CPU per request.
 */
function agreeEc(recipient: KeyObject, crv: string): { z: Buffer; epk: Record<string, unknown> } {
  let point = points.get(recipient);
  if (point === undefined) {
    const jwk = recipient.export({ format: 'jwk' });
    point = Buffer.concat([
      Buffer.from([4]),
      Buffer.from(jwk.x ?? '', 'base64url'),
      Buffer.from(jwk.y ?? '', 'base64url'),
    ]);
    points.set(recipient, point);
  }
  const ecdh = createECDH(recipient.asymmetricKeyDetails?.namedCurve ?? '');
  const own = ecdh.generateKeys();
  const size = (own.length - 1) / 2;
  return {
    z: ecdh.computeSecret(point),
    epk: {
      kty: 'EC',
      crv,
      x: own.subarray(1, 1 + size).toString('base64url'),
      y: own.subarray(1 + size).toString('base64url'),
    },
  };
}

/**
 * Encrypts `plaintext` under `key` (256 bits) with `alg: "dir"` (RFC 7518 §4.5: the key is the content key, the
 * encrypted-key part is empty), A256GCM and a fresh random 96-bit IV. `header` is completed with alg and enc.
 */
export function encryptDirect(plaintext: Uint8Array, key: KeyObject, header: Record<string, unknown>): string {
  return seal(plaintext, key, { ...header, alg: 'dir', enc: 'A256GCM' });
}

/** AES-256-GCM with the encoded protected header as additional data; the compact serialization (RFC 7516 §7.1). */
function seal(plaintext: Uint8Array, cek: Buffer | KeyObject, header: Record<string, unknown>): string {
  const encodedHeader = Buffer.from(JSON.stringify(header)).toString('base64url');
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', cek, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(encodedHeader, 'ascii'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  // RFC 7518 §4.5 and §4.6: with direct encryption or direct key agreement the JWE Encrypted Key is empty.
  return [encodedHeader, '', iv, ciphertext, cipher.getAuthTag()]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

/** A compact JWE split into its parts, with its protected header decoded. Nothing decrypted yet. */
export interface CompactJwe {
  readonly header: Readonly<Record<string, unknown>>;
  readonly parts: readonly [string, string, string, string, string];
}

/**
 * Splits a compact JWE (RFC 7516 §7.1) and decodes its protected header: five canonical base64url parts (one
 * spelling per JWE, as for our JWS), a header that is a JSON object.
 *
 * @throws SignatureInvalidError
 */
export function splitCompactJwe(jwe: string): CompactJwe {
  const parts = jwe.split('.');
  if (parts.length !== 5) throw new SignatureInvalidError('The encrypted body is malformed');
  if (!parts.every((part) => B64URL.test(part) && isCanonicalBase64url(part))) {
    throw new SignatureInvalidError('The encrypted body is malformed');
  }
  let header: unknown;
  try {
    header = JSON.parse(decodeUtf8(parts[0] as string, 'header'));
  } catch {
    throw new SignatureInvalidError('The encrypted body is malformed');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new SignatureInvalidError('The encrypted body is malformed');
  }
  return { header: header as Record<string, unknown>, parts: parts as unknown as CompactJwe['parts'] };
}

/**
 * The recipient's EC private key as node:crypto's ECDH object, made once per key: it agrees with the ephemeral
 * key's raw point directly, a third cheaper than importing the point as a KeyObject first, and it refuses a point
 * that is not on the curve (ERR_CRYPTO_ECDH_INVALID_PUBLIC_KEY) just the same.
 */
const agreements = new WeakMap<KeyObject, ECDH>();

function sharedSecret(key: KeyObject, curve: { kty: 'EC' | 'OKP'; crv: string }, epk: Record<string, unknown>): Buffer {
  if (typeof epk.x !== 'string' || !B64URL.test(epk.x)) throw new SignatureInvalidError('epk is malformed');
  if (curve.kty === 'OKP') {
    const ephemeral = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: epk.x }, format: 'jwk' });
    return diffieHellman({ privateKey: key, publicKey: ephemeral });
  }
  if (typeof epk.y !== 'string' || !B64URL.test(epk.y)) throw new SignatureInvalidError('epk is malformed');
  let ecdh = agreements.get(key);
  if (ecdh === undefined) {
    ecdh = createECDH(key.asymmetricKeyDetails?.namedCurve ?? '');
    ecdh.setPrivateKey(Buffer.from(key.export({ format: 'jwk' }).d ?? '', 'base64url'));
    agreements.set(key, ecdh);
  }
  // SEC 1 §2.3.3 uncompressed point: 0x04 || X || Y (computeSecret checks the length and that it is on the curve).
  return ecdh.computeSecret(
    Buffer.concat([Buffer.from([4]), Buffer.from(epk.x, 'base64url'), Buffer.from(epk.y, 'base64url')]),
  );
}

function optionalBytes(value: unknown): Buffer {
  if (value === undefined) return Buffer.alloc(0);
  if (typeof value !== 'string' || !B64URL.test(value)) throw new SignatureInvalidError('apu/apv is not base64url');
  return Buffer.from(value, 'base64url');
}

/** A request JWE's plaintext and the ECDH shared secret Z it was made with. */
export interface OpenedRequest {
  readonly plaintext: Buffer;
  readonly sharedSecret: Buffer;
}

/**
 * Decrypts a JWE that {@link splitCompactJwe} split, whose alg (ECDH-ES) and enc (A256GCM) the caller has checked,
 * with `key` (a private key {@link ecdhCurve} accepts). The ephemeral key must be a public key on the recipient's
 * curve (node:crypto refuses a point that is not on it, the invalid-curve attack); the tag is checked before any
 * plaintext is returned.
 *
 * @throws SignatureInvalidError for anything that does not decrypt.
 */
export function decryptCompact(jwe: CompactJwe, key: KeyObject): OpenedRequest {
  const curve = ecdhCurve(key);
  // Before the key agreement: RFC 7518 §4.6 direct key agreement has no encrypted key.
  if (jwe.parts[1] !== '' || curve === undefined)
    throw new SignatureInvalidError('The encrypted body does not decrypt');
  const epk = jwe.header.epk as Record<string, unknown> | undefined;
  if (typeof epk !== 'object' || epk === null || epk.kty !== curve.kty || epk.crv !== curve.crv || 'd' in epk) {
    throw new SignatureInvalidError('The encrypted body does not decrypt with this key');
  }
  let z: Buffer;
  let cek: Buffer;
  try {
    z = sharedSecret(key, curve, epk);
    cek = concatKdf(z, 'A256GCM', optionalBytes(jwe.header.apu), optionalBytes(jwe.header.apv));
  } catch {
    // Which step failed (the point, apu/apv) is nobody's business but ours.
    throw new SignatureInvalidError('The encrypted body does not decrypt with this key');
  }
  return { plaintext: open(jwe, cek), sharedSecret: z };
}

/**
 * Decrypts a `dir` JWE (alg and enc checked by the caller) under `key`: the content key itself (RFC 7518 §4.5).
 *
 * @throws SignatureInvalidError for anything that does not decrypt.
 */
export function decryptDirect(jwe: CompactJwe, key: KeyObject): Buffer {
  return open(jwe, key);
}

/** The AES-256-GCM half of decryption: an empty encrypted-key part, a 96-bit IV, the tag checked first. */
function open(jwe: CompactJwe, cek: Buffer | KeyObject): Buffer {
  const [encodedHeader, encryptedKey, encodedIv, encodedCiphertext, encodedTag] = jwe.parts;
  if (encryptedKey !== '') throw new SignatureInvalidError('The encrypted body does not decrypt');
  const iv = Buffer.from(encodedIv, 'base64url');
  const tag = Buffer.from(encodedTag, 'base64url');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new SignatureInvalidError('The encrypted body is malformed');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', cek, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(encodedHeader, 'ascii'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(encodedCiphertext, 'base64url')), decipher.final()]);
  } catch {
    throw new SignatureInvalidError('The encrypted body does not decrypt with this key');
  }
}
