import type { KeyObject } from 'node:crypto';
import { canonicalize } from './canonicalize';
import { ANSWER_TYP } from './answer';
import type { Envelope } from './envelope';
import { EnvelopeInvalidError, SignatureInvalidError } from './errors';
import { answerSecret, deriveAnswerKey, type AnswerKey } from './lib/answer-key';
import {
  decryptCompact,
  decryptDirect,
  ecdhCurve,
  encryptCompact,
  encryptDirect,
  splitCompactJwe,
  type CompactJwe,
} from './lib/jwe-crypto';

/** The `typ` of an encrypted envelope body. */
export const BODY_JWE_TYP = 'kopir-body+jwe';
/**
 * The `typ` of an encrypted provider answer: the whole answer JWS, signed over the plaintext body, then encrypted
 * under the request's answer key (sign-then-encrypt, as RFC 7519 §11.2 nests a JWS in a JWE), so the signature the
 * consumer checks is the one the provider made.
 */
export const ANSWER_JWE_TYP = 'kopir-answer+jwe';

/**
 * Key management algorithms Köpir encrypts and decrypts request bodies with (RFC 7518 §4.6): ECDH-ES direct key
 * agreement to the provider's EC (P-256, P-384) or X25519 key (RFC 8037 §3.2). No RSA1_5 (Bleichenbacher, RFC 7518
 * §4.2 security note), no PBES2, and no `dir` for a request: `dir` (RFC 7518 §4.5) is used only for the answer, under
 * the key both ends derived from that one request's key agreement ({@link AnswerKey}), never under a long-lived
 * shared secret; decryptBody refuses it and decryptAnswer accepts nothing else.
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
   * (RFC 7516 §5.1 step 14): {@link decryptBody} refuses the ciphertext under any other request id. It is also in
   * the derivation of the answer key.
   */
  readonly requestId: string;
}

/** What {@link encryptBody} returns: the compact JWE, and the key the provider's answer will come under. */
export interface EncryptedBody {
  readonly jwe: string;
  /** Keep it with the pending request only, until the answer arrives or the request times out. */
  readonly answerKey: AnswerKey;
}

/** What {@link decryptBody} returns: the body, and the key to encrypt the answer to this request under. */
export interface DecryptedBody {
  readonly body: unknown;
  readonly answerKey: AnswerKey;
}

/**
 * The private key to decrypt with, or a function from the JWE's `kid` to it (undefined: no such key here), so that
 * a recipient holding its current and its previous key during a rotation opens what was encrypted to either.
 */
export type DecryptionKey = KeyObject | ((kid: string | undefined) => KeyObject | undefined);

/** Options of {@link decryptBody}. */
export interface DecryptBodyOptions {
  /** The request id the ciphertext must be bound to (every body JWE is bound to one; absent: any). */
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
 * gateway puts the JWE in the envelope's `bodyJwe`, which the envelope's JWS signs, and keeps the answer key.
 *
 * @throws EnvelopeInvalidError when the key is not a public P-256, P-384 or X25519 key, or the body is not I-JSON.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- async so encryption and decryption have one shape
export async function encryptBody(
  body: unknown,
  recipient: KeyObject,
  options: EncryptBodyOptions,
): Promise<EncryptedBody> {
  if (recipient.type !== 'public' || !fitsEcdh(recipient)) {
    throw new EnvelopeInvalidError('Bodies are encrypted to a public P-256, P-384 or X25519 key');
  }
  const plaintext = new TextEncoder().encode(canonicalize(body));
  const header: Record<string, unknown> = { typ: BODY_JWE_TYP, cty: 'json' };
  if (options.kid !== undefined) header.kid = options.kid;
  header['kopir-rid'] = options.requestId;
  const { jwe, sharedSecret } = encryptCompact(plaintext, recipient, header);
  return { jwe, answerKey: deriveAnswerKey(sharedSecret, options.requestId) };
}

/**
 * Decrypts a body that {@link encryptBody} made, with the provider's private key, and derives the answer key from
 * the same key agreement. The algorithms are checked against the allow-lists before any key agreement, and the
 * AES-GCM tag before any byte is returned.
 *
 * @throws SignatureInvalidError for anything that does not decrypt (another key, a changed header, ciphertext or
 *   tag, an algorithm outside the allow-list, no or a different request id, a body that is not JSON); the message
 *   never says more than which check failed.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- async so encryption and decryption have one shape
export async function decryptBody(
  jwe: string,
  key: DecryptionKey,
  options: DecryptBodyOptions = {},
): Promise<DecryptedBody> {
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
  const requestId = checkBinding(split, BODY_JWE_TYP, options.requestId);
  const privateKey = typeof key === 'function' ? key(typeof header.kid === 'string' ? header.kid : undefined) : key;
  if (privateKey === undefined) {
    throw new SignatureInvalidError('The encrypted body is for a key this recipient does not hold');
  }
  assertDecryptionKey(privateKey);
  const { plaintext, sharedSecret } = decryptCompact(split, privateKey);
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext)) as unknown;
  } catch {
    throw new SignatureInvalidError('The encrypted body is not JSON');
  }
  return { body, answerKey: deriveAnswerKey(sharedSecret, requestId) };
}

/**
 * Encrypts a provider's signed answer (the compact JWS {@link signAnswer} made, unchanged) under the answer key of
 * the request it answers: compact JWE, `alg` `dir`, `enc` A256GCM, a fresh random 96-bit IV, the request id in the
 * protected header (`kopir-rid`, authenticated as GCM's additional data). The signature inside still covers the
 * plaintext body, so the gateway, having decrypted it, verifies and forwards exactly what it would have received
 * in clear.
 *
 * @throws EnvelopeInvalidError when the answer is not a compact JWS or the key is not an answer key.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- async so encryption and decryption have one shape
export async function encryptAnswer(answerJws: string, key: AnswerKey): Promise<string> {
  if (!COMPACT_JWS.test(answerJws)) throw new EnvelopeInvalidError('Only a compact answer JWS is encrypted');
  const header = { typ: ANSWER_JWE_TYP, cty: ANSWER_TYP, 'kopir-rid': key.requestId };
  return encryptDirect(new TextEncoder().encode(answerJws), answerSecret(key), header);
}

/**
 * Decrypts what {@link encryptAnswer} made, under the answer key encryptBody returned for the request, and returns
 * the answer JWS inside (still to be verified with verifyAnswer: decryption proves only that the JWE was made with
 * this request's key). Only `alg` `dir` and `enc` A256GCM are accepted, checked before any decryption.
 *
 * @throws SignatureInvalidError for another alg or enc, the wrong typ, crit or zip, another request id, a changed
 *   byte or another key, and a plaintext that is not a compact JWS.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- async so encryption and decryption have one shape
export async function decryptAnswer(jwe: string, key: AnswerKey): Promise<string> {
  const secret = answerSecret(key);
  const split = splitCompactJwe(jwe);
  if (split.header.alg !== 'dir') {
    throw new SignatureInvalidError(`JWE algorithm ${JSON.stringify(split.header.alg)} is not allowed for an answer`);
  }
  if (split.header.enc !== 'A256GCM') {
    throw new SignatureInvalidError(`JWE encryption ${JSON.stringify(split.header.enc)} is not allowed`);
  }
  checkBinding(split, ANSWER_JWE_TYP, key.requestId);
  const plaintext = decryptDirect(split, secret).toString('latin1');
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

/**
 * The checks of a JWE's protected header that need no key: its `typ`, no extension we would have to understand
 * (`crit`, RFC 7516 §4.1.13) and no compression (`zip`, §4.1.3: we never compress), and a request id, the expected
 * one when `requestId` is given. Returns the request id.
 */
function checkBinding(jwe: CompactJwe, typ: string, requestId: string | undefined): string {
  const header = jwe.header;
  if (header.typ !== typ) throw new SignatureInvalidError('The encrypted body has the wrong typ');
  if ('crit' in header || 'zip' in header) throw new SignatureInvalidError('The encrypted body uses crit or zip');
  const bound = header['kopir-rid'];
  if (typeof bound !== 'string' || (requestId !== undefined && bound !== requestId)) {
    throw new SignatureInvalidError('The encrypted body belongs to another request');
  }
  return bound;
}

/** What {@link envelopeBody} returns: the body, and the answer key when the body came encrypted. */
export interface EnvelopeBody {
  readonly body: unknown;
  /** Present when the body came as `bodyJwe`: the answer to this request is to be encrypted under it. */
  readonly answerKey?: AnswerKey;
}

/**
 * The body of a verified envelope: `body` as is, or `bodyJwe` decrypted with the provider's key and checked to be
 * bound to the envelope's request id, with the answer key of that request.
 */
export async function envelopeBody(
  envelope: Pick<Envelope, 'requestId' | 'body' | 'bodyJwe'>,
  key: DecryptionKey | undefined,
  options: Omit<DecryptBodyOptions, 'requestId'> = {},
): Promise<EnvelopeBody> {
  if (envelope.bodyJwe === undefined) return { body: envelope.body };
  if (key === undefined) throw new EnvelopeInvalidError('The envelope body is encrypted and no decryption key is set');
  return decryptBody(envelope.bodyJwe, key, { ...options, requestId: envelope.requestId });
}
