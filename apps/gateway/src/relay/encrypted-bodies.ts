import { KopirError } from '@kopir/contracts';
import { decryptAnswer, encryptBody, type AnswerKey } from '@kopir/envelope';
import type { FederationIndex } from '@kopir/federation';

/**
 * The gateway's two steps for services whose bodies cross Kafka only encrypted (docs/security.md, "Encrypted
 * bodies"): the request body encrypted to the provider's published key before the envelope is signed, and the
 * provider's answer (a JWE of its signed answer JWS) decrypted under the answer key that request's key agreement
 * gave, before it is verified as any answer is. The consumer sees neither step: it gets the plaintext body and the
 * provider's signature over it.
 */

/** The body as the envelope carries it, and the key the answer to it must come under when it went encrypted. */
export interface OutgoingBody {
  /** In clear, or as `bodyJwe`: spread into the envelope's fields. */
  readonly envelope: { readonly body: unknown } | { readonly bodyJwe: string };
  /**
   * Held by the pending request only (never logged, serialised or sent), and dropped with it when the answer arrives
   * or the request times out.
   */
  readonly answerKey?: AnswerKey;
}

/** The body for the envelope of `serviceId`: encrypted to the provider's key when the federation requires it. */
export async function envelopeBodyFor(
  index: FederationIndex,
  serviceId: string,
  provider: string,
  requestId: string,
  body: unknown,
): Promise<OutgoingBody> {
  if (!index.encryptsBodies(serviceId)) return { envelope: { body } };
  // A valid federation document has this key (validation refuses the requirement without it).
  const recipient = index.encryptionKey(provider);
  if (recipient === undefined) throw new KopirError('internal_error', `${provider} publishes no encryption key`);
  const { jwe, answerKey } = await encryptBody(body, recipient.key, { kid: recipient.kid, requestId });
  return { envelope: { bodyJwe: jwe }, answerKey };
}

/**
 * The answer JWS in a provider's reply: the reply itself when the request went in clear, else the decrypted JWE.
 * An answer in clear to an encrypted request, or one that does not decrypt under the request's answer key (another
 * request's key, another request id, a changed byte), is the provider's fault: provider_error, and nothing of it is
 * used.
 */
export async function answerOf(reply: string, sent: OutgoingBody): Promise<string> {
  if (sent.answerKey === undefined) return reply;
  // Compact JWE: five parts (RFC 7516 §7.1); a compact JWS has three.
  if (reply.split('.').length !== 5) {
    throw new KopirError('provider_error', 'The provider answered in clear a service that requires encrypted bodies');
  }
  try {
    return await decryptAnswer(reply, sent.answerKey);
  } catch (cause) {
    throw new KopirError('provider_error', "The provider's encrypted answer does not decrypt under the request's key", {
      cause,
    });
  }
}
