import type { KeyObject } from 'node:crypto';
import { ANSWER_TYP, type Answer } from './answer';
import { canonicalize } from './canonicalize';
import { SignatureInvalidError } from './errors';
import { verifyRebuiltJson, type VerificationKey } from './verify-json';

/** What travels beside the HTTP body so that a consumer can check the provider's signature over it. */
export interface DetachedAnswer {
  /** The answer JWS with its payload left out (RFC 7515 Appendix F): `<header>..<signature>`. */
  readonly signature: string;
  readonly envelopeDigest: string;
  readonly issuedAt: number;
}

/**
 * Splits a provider's answer JWS for an HTTP response: the body goes in the HTTP body, the signature without its
 * payload in `Kopir-Response-Signature`, and the two signed members the consumer cannot know (the digest of the
 * gateway's envelope and the signing time) in their own headers. A whole answer in one header would not fit
 * the header limits of common HTTP clients for large bodies.
 */
export function detachAnswer(answerJws: string, answer: Answer): DetachedAnswer {
  const [header, , signature] = answerJws.split('.');
  return { signature: `${header}..${signature}`, envelopeDigest: answer.envelopeDigest, issuedAt: answer.iat };
}

/**
 * Verifies a detached answer as a consumer receives it: rebuilds the signed payload from the request id, the
 * status `ok`, the received body and the two headers, in canonical form (RFC 8785), and verifies the provider's
 * signature over it. Any change to the body, the request id or the headers fails.
 *
 * @throws SignatureInvalidError
 */
// eslint-disable-next-line @typescript-eslint/require-await -- async: callers must not depend on it being sync
export async function verifyDetachedAnswer(
  detached: DetachedAnswer,
  expected: { readonly requestId: string; readonly body: unknown },
  key: VerificationKey | KeyObject,
  options: { readonly algorithms?: readonly string[] } = {},
): Promise<Answer> {
  const parts = detached.signature.split('.');
  if (parts.length !== 3 || parts[1] !== '' || !parts[0] || !parts[2]) {
    throw new SignatureInvalidError('Kopir-Response-Signature is not a detached JWS');
  }
  if (!Number.isSafeInteger(detached.issuedAt) || !/^[A-Za-z0-9_-]{43}$/.test(detached.envelopeDigest)) {
    throw new SignatureInvalidError('The answer headers are malformed');
  }
  const payload: Answer = {
    v: 1,
    requestId: expected.requestId,
    envelopeDigest: detached.envelopeDigest,
    status: 'ok',
    ...(expected.body === undefined ? {} : { body: expected.body }),
    iat: detached.issuedAt,
  };
  // The signed payload is rebuilt here in canonical form: it is verified as it is, not decoded and re-parsed again.
  const { payload: verified } = verifyRebuiltJson<Answer>(detached.signature, canonicalize(payload), key, {
    typ: ANSWER_TYP,
    ...(options.algorithms ? { algorithms: options.algorithms } : {}),
  });
  return verified;
}
