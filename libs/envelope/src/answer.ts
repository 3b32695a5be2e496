import type { KeyObject } from 'node:crypto';
import { SignatureInvalidError } from './errors';
import { checkFreshness, type FreshnessOptions } from './lib/freshness';
import { withMembers } from './lib/with-members';
import { envelopeDigest } from './envelope';
import { signJson } from './sign-json';
import { verifyJson, type VerificationKey } from './verify-json';

/** The `typ` of a provider's answer. */
export const ANSWER_TYP = 'kopir-answer+jws';

/** A provider's signed answer (DESIGN.md step 4): status and body, bound to the request envelope. */
export interface Answer {
  readonly v: 1;
  readonly requestId: string;
  /** base64url SHA-256 of the compact request envelope this answers. */
  readonly envelopeDigest: string;
  /** `ok`, or a stable error code (libs/contracts ERROR_CODES) the provider answered with. */
  readonly status: string;
  /**
   * Always the plaintext: the signature covers what the consumer receives. An answer crosses Kafka encrypted as a
   * whole (encryptAnswer), never with an encrypted body under the signature.
   */
  readonly body?: unknown;
  readonly iat: number;
}

/**
 * Signs a provider's answer to `envelopeJws`: compact JWS over canonical JSON binding `status` and `body` to the
 * SHA-256 of the exact envelope received, so the answer cannot be replayed as the answer to another request.
 */
export async function signAnswer(
  envelopeJws: string,
  answer: { readonly requestId: string; readonly status: string; readonly body?: unknown },
  key: KeyObject,
  options: { readonly kid: string; readonly now?: Date },
): Promise<string> {
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const signed: Answer = withMembers(answer, { v: 1 as const, envelopeDigest: envelopeDigest(envelopeJws), iat });
  return signJson(signed, key, { kid: options.kid, typ: ANSWER_TYP });
}

/**
 * Verifies a provider's answer to `envelopeJws` with the provider's key: signature, `typ`, allow-list, canonical
 * form, that it answers exactly this envelope and request id, and that it is fresh.
 *
 * @throws SignatureInvalidError, RequestExpiredError.
 */
export async function verifyAnswer(
  answerJws: string,
  envelopeJws: string,
  key: VerificationKey,
  options: FreshnessOptions & { readonly requestId?: string; readonly algorithms?: readonly string[] } = {},
): Promise<Answer> {
  const { payload } = await verifyJson<Record<string, unknown>>(answerJws, key, {
    typ: ANSWER_TYP,
    ...(options.algorithms ? { algorithms: options.algorithms } : {}),
  });
  if (payload.v !== 1 || typeof payload.status !== 'string' || typeof payload.requestId !== 'string') {
    throw new SignatureInvalidError('The answer is malformed');
  }
  if ('bodyJwe' in payload) {
    // The consumer checks the signature over the plaintext body; one signed over a ciphertext it could not check.
    throw new SignatureInvalidError('An answer signs its plaintext body, not a bodyJwe');
  }
  if (payload.envelopeDigest !== envelopeDigest(envelopeJws)) {
    throw new SignatureInvalidError('The answer is not bound to this request envelope');
  }
  if (options.requestId !== undefined && payload.requestId !== options.requestId) {
    throw new SignatureInvalidError('The answer names another request');
  }
  checkFreshness(payload.iat, options);
  return payload as unknown as Answer;
}
