import type { KeyObject } from 'node:crypto';
import { canonicalize } from './canonicalize';
import { ANSWER_TYP } from './answer';
import type { Envelope } from './envelope';
import { EnvelopeInvalidError, SignatureInvalidError } from './errors';
import { decryptCompact, ecdhCurve, encryptCompact, splitCompactJwe } from './lib/jwe-crypto';

/** The `typ` of an encrypted envelope body. */
export const BODY_JWE_TYP = 'kopir-body+jwe';
/**
 * The `typ` of an encrypted provider answer: the whole answer JWS, signed over the plaintext body, then encrypted
 * to the gateway (sign-then-encrypt, as RFC 7519 §11.2 nests a JWS in a JWE), so the signature the consumer checks
 * is the one the provider made.
 */
export const ANSWER_JWE_TYP = 'kopir-answer+jwe';

/**
 * Key management algorithms Köpir encrypts and decrypts bodies with (RFC 7518 §4.6): ECDH-ES direct key agreement
 * to the provider's EC (P-256, P-384) or X25519 key (RFC 8037 §3.2). No RSA1_5 (Bleichenbacher, RFC 7518 §4.2
 * security note), no `dir` (a shared secret the gateway and every provider would hold), no PBES2.
 */
export const KEY_MANAGEMENT_ALGORITHMS = ['ECDH-ES'] as const;
/** Content encryption algorithms (RFC 7518 §5.3): AES-256-GCM only. */
export const CONTENT_ENCRYPTION_ALGORITHMS = ['A256GCM'] as const;

export type KeyManagementAlgorithm = (typeof KEY_MANAGEMENT_ALGORITHMS)[number];
export type ContentEncryptionAlgorithm = (typeof CONTENT_ENCRYPTION_ALGORITHMS)[number];

/** Options of {@link encryptBody}. */
export interface EncryptBodyOptions {
  /** The recipient key's id (its RFC 7638 thumbprint in the federation document), so a provider picks its key. */
  readonly kid?: string;
  /**
   * The request id, put in the protected header (`kopir-rid`), which AES-GCM authenticates as additional data
   * (RFC 7516 §5.1 step 14): {@link decryptBody} refuses the ciphertext under any other request id.
   */
  readonly requestId?: string;
}

/**
 * The private key to decrypt with, or a function from the JWE's `kid` to it (undefined: no such key here), so that
 * a recipient holding its current and its previous key during a rotation opens what was encrypted to either.
 */
export type DecryptionKey = KeyObject | ((kid: string | undefined) => KeyObject | undefined);

/** Options of {@link decryptBody}. */
export interface DecryptBodyOptions {
  /** The request id the ciphertext must be bound to (when it was encrypted with one, it must match). */
  readonly requestId?: string;
  /** Narrows {@link KEY_MANAGEMENT_ALGORITHMS}; names outside it are refused. */
  readonly algorithms?: readonly string[];
  /** Narrows {@link CONTENT_ENCRYPTION_ALGORITHMS}; names outside it are refused. */
  readonly encryptions?: readonly string[];
}

function narrow<T extends string>(requested: readonly string[] | undefined, allowed: readonly T[], what: string): T[] {
  if (requested === undefined) return [...allowed];
  const bad = requested.filter((name) => !(allowed as readonly string[]).includes(name));
  if (bad.length > 0 || requested.length === 0) {
    throw new EnvelopeInvalidError(`${what} ${bad.join(', ') || '(none)'} not allowed; allowed: ${allowed.join(', ')}`);
  }
  return requested as T[];
}

/** RFC 7518 §4.6: ECDH-ES works on EC P-256/P-384/P-521 and (RFC 8037) X25519/X448 keys; we take P-256, P-384, X25519. */
function fitsEcdh(key: KeyObject): boolean {
  return ecdhCurve(key) !== undefined;
}

/**
 * Encrypts a JSON body to the provider's public key: compact JWE (RFC 7516) with ECDH-ES key agreement and A256GCM
 * over the body's RFC 8785 canonical JSON, so Kafka operators and anyone reading the topic see only ciphertext. The
 * gateway puts the result in the envelope's `bodyJwe`, which the envelope's JWS signs.
 *
 * @throws EnvelopeInvalidError when the key is not a public P-256, P-384 or X25519 key, or the body is not I-JSON.
 */
export async function encryptBody(
  body: unknown,
  recipient: KeyObject,
  options: EncryptBodyOptions = {},
): Promise<string> {
  return seal(new TextEncoder().encode(canonicalize(body)), recipient, BODY_JWE_TYP, 'json', options);
}

/**
 * Decrypts a body that {@link encryptBody} made, with the provider's private key. The algorithms are checked
 * against the allow-lists before any key agreement, and the AES-GCM tag before any byte is returned.
 *
 * @throws SignatureInvalidError for anything that does not decrypt (another key, a changed header, ciphertext or
 *   tag, an algorithm outside the allow-list, a different request id, a body that is not JSON); the message never
 *   says more than which check failed.
 */
export async function decryptBody(jwe: string, key: DecryptionKey, options: DecryptBodyOptions = {}): Promise<unknown> {
  const plaintext = await open(jwe, key, BODY_JWE_TYP, options);
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext)) as unknown;
  } catch {
    throw new SignatureInvalidError('The encrypted body is not JSON');
  }
}

/**
 * Encrypts a provider's signed answer (the compact JWS {@link signAnswer} made, unchanged) to the gateway's public
 * key, bound to the request id like a body. The signature inside still covers the plaintext body, so the gateway,
 * having decrypted it, verifies and forwards exactly what it would have received in clear.
 *
 * @throws EnvelopeInvalidError when the key does not fit or the answer is not a compact JWS.
 */
export async function encryptAnswer(
  answerJws: string,
  recipient: KeyObject,
  options: EncryptBodyOptions = {},
): Promise<string> {
  if (!COMPACT_JWS.test(answerJws)) throw new EnvelopeInvalidError('Only a compact answer JWS is encrypted');
  return seal(new TextEncoder().encode(answerJws), recipient, ANSWER_JWE_TYP, ANSWER_TYP, options);
}

/**
 * Decrypts what {@link encryptAnswer} made, with the gateway's private key, and returns the answer JWS inside (still
 * to be verified with verifyAnswer: decryption proves only that it was encrypted to this key).
 *
 * @throws SignatureInvalidError as {@link decryptBody} does, and when the plaintext is not a compact JWS.
 */
export async function decryptAnswer(
  jwe: string,
  key: DecryptionKey,
  options: DecryptBodyOptions = {},
): Promise<string> {
  const plaintext = Buffer.from(await open(jwe, key, ANSWER_JWE_TYP, options)).toString('latin1');
  if (!COMPACT_JWS.test(plaintext)) throw new SignatureInvalidError('The encrypted answer is not a compact JWS');
  return plaintext;
}

/** Three base64url parts: what a compact JWS looks like before anyone verifies it. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/;

function assertDecryptionKey(key: KeyObject): void {
  if (key.type !== 'private' || !fitsEcdh(key)) {
    throw new EnvelopeInvalidError('Bodies are decrypted with a private P-256, P-384 or X25519 key');
  }
}

// eslint-disable-next-line @typescript-eslint/require-await -- async so encryption and decryption have one shape
async function seal(
  plaintext: Uint8Array,
  recipient: KeyObject,
  typ: string,
  cty: string,
  options: EncryptBodyOptions,
): Promise<string> {
  if (recipient.type !== 'public' || !fitsEcdh(recipient)) {
    throw new EnvelopeInvalidError('Bodies are encrypted to a public P-256, P-384 or X25519 key');
  }
  const header: Record<string, unknown> = { typ, cty };
  if (options.kid !== undefined) header.kid = options.kid;
  if (options.requestId !== undefined) header['kopir-rid'] = options.requestId;
  return encryptCompact(plaintext, recipient, header);
}

// eslint-disable-next-line @typescript-eslint/require-await -- async so encryption and decryption have one shape
async function open(jwe: string, key: DecryptionKey, typ: string, options: DecryptBodyOptions): Promise<Uint8Array> {
  const keyManagementAlgorithms = narrow(options.algorithms, KEY_MANAGEMENT_ALGORITHMS, 'JWE algorithms');
  const contentEncryptionAlgorithms = narrow(options.encryptions, CONTENT_ENCRYPTION_ALGORITHMS, 'JWE encryptions');
  if (typeof key !== 'function') assertDecryptionKey(key);
  const split = splitCompactJwe(jwe);
  const header = split.header;
  // Before any key agreement: the allow-lists, then what this JWE claims to be.
  if (!keyManagementAlgorithms.includes(header.alg as KeyManagementAlgorithm)) {
    throw new SignatureInvalidError(`JWE algorithm ${JSON.stringify(header.alg)} is not allowed`);
  }
  if (!contentEncryptionAlgorithms.includes(header.enc as ContentEncryptionAlgorithm)) {
    throw new SignatureInvalidError(`JWE encryption ${JSON.stringify(header.enc)} is not allowed`);
  }
  if (header.typ !== typ) throw new SignatureInvalidError('The encrypted body has the wrong typ');
  // No extension we would have to understand (RFC 7516 §4.1.13), no compression (we never compress, §4.1.3).
  if ('crit' in header || 'zip' in header) throw new SignatureInvalidError('The encrypted body uses crit or zip');
  if (options.requestId !== undefined && header['kopir-rid'] !== options.requestId) {
    throw new SignatureInvalidError('The encrypted body belongs to another request');
  }
  const privateKey = typeof key === 'function' ? key(typeof header.kid === 'string' ? header.kid : undefined) : key;
  if (privateKey === undefined) {
    throw new SignatureInvalidError('The encrypted body is for a key this recipient does not hold');
  }
  assertDecryptionKey(privateKey);
  return decryptCompact(split, privateKey);
}

/**
 * The body of a verified envelope: `body` as is, or `bodyJwe` decrypted with the provider's key and checked to be
 * bound to the envelope's request id.
 */
export async function envelopeBody(
  envelope: Pick<Envelope, 'requestId' | 'body' | 'bodyJwe'>,
  key: DecryptionKey | undefined,
  options: Omit<DecryptBodyOptions, 'requestId'> = {},
): Promise<unknown> {
  if (envelope.bodyJwe === undefined) return envelope.body;
  if (key === undefined) throw new EnvelopeInvalidError('The envelope body is encrypted and no decryption key is set');
  return decryptBody(envelope.bodyJwe, key, { ...options, requestId: envelope.requestId });
}
