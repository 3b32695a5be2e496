import { createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import { EnvelopeInvalidError } from '../errors';

/**
 * The key a provider's answer to one encrypted request is encrypted under, as an opaque handle: the gateway gets it
 * from encryptBody, the provider from decryptBody, and both derive the same key from the request's ECDH-ES shared
 * secret Z, so the answer needs no key agreement of its own and the gateway no encryption key pair.
 *
 * The key bytes are not in the handle: JSON.stringify, a logger or a Kafka producer given the handle see the request
 * id and nothing else. They live in a WeakMap of this module, so they go when the last reference to the handle does
 * (for the gateway, when its pending request ends by an answer or a timeout).
 */
export interface AnswerKey {
  /** The request the key was derived for: an answer under it must name this request id (`kopir-rid`). */
  readonly requestId: string;
}

/**
 * HKDF's `info` (RFC 5869 §3.2: the context that makes keys derived from one secret independent): the answer's
 * label, a 0x00 separator, then the request id in UTF-8. The request's own content key comes from the same Z through
 * RFC 7518 §4.6.2's Concat KDF (SHA-256 over a counter, Z and an OtherInfo naming `A256GCM`); the two derivations
 * share no output and neither can be computed from the other without Z (docs/security.md, "Encrypted bodies").
 */
const INFO_LABEL = 'kopir-answer+A256GCM';
/** 256 bits: the key size of A256GCM (RFC 7518 §5.3). */
const KEY_BYTES = 32;

const secrets = new WeakMap<AnswerKey, KeyObject>();

/**
 * The answer key of the request whose ECDH-ES shared secret is `sharedSecret`: HKDF-SHA256 (RFC 5869) with no salt
 * (§2.2: HashLen zero bytes; Z is secret and fresh per request, so the salt adds nothing) and the info above. Z is
 * wiped once the key is derived.
 */
export function deriveAnswerKey(sharedSecret: Buffer, requestId: string): AnswerKey {
  const info = Buffer.concat([Buffer.from(INFO_LABEL, 'ascii'), Buffer.from([0]), Buffer.from(requestId, 'utf8')]);
  const bytes = Buffer.from(hkdfSync('sha256', sharedSecret, Buffer.alloc(0), info, KEY_BYTES));
  sharedSecret.fill(0);
  const handle: AnswerKey = Object.freeze({ requestId });
  secrets.set(handle, createSecretKey(bytes));
  bytes.fill(0);
  return handle;
}

/**
 * The key behind a handle deriveAnswerKey made.
 *
 * @throws EnvelopeInvalidError for any other object (one that merely looks like a handle holds no key).
 */
export function answerSecret(handle: AnswerKey): KeyObject {
  const secret = secrets.get(handle);
  if (secret === undefined) throw new EnvelopeInvalidError('Not an answer key derived from an encrypted request');
  return secret;
}
