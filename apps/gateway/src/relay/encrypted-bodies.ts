import { KopirError } from '@kopir/contracts';
import { decryptAnswer, encryptBody, type DecryptionKey } from '@kopir/envelope';
import type { FederationIndex } from '@kopir/federation';

/**
 * The gateway's two steps for services whose bodies cross Kafka only encrypted (docs/security.md, "Encrypted
 * bodies"): the request body encrypted to the provider's published key before the envelope is signed, and the
 * provider's answer (a JWE of its signed answer JWS) decrypted with the gateway's key before it is verified, as any
 * answer is. The consumer sees neither step: it gets the plaintext body and the provider's signature over it.
 */

/** How the envelope carries the body: in clear, or as `bodyJwe`. */
export type EnvelopeBody = { readonly body: unknown } | { readonly bodyJwe: string };

/** The body for the envelope of `serviceId`: encrypted to the provider's key when the federation requires it. */
export async function envelopeBodyFor(
  index: FederationIndex,
  serviceId: string,
  provider: string,
  requestId: string,
  body: unknown,
): Promise<EnvelopeBody> {
  if (!index.encryptsBodies(serviceId)) return { body };
  // A valid federation document has this key (validation refuses the requirement without it).
  const recipient = index.encryptionKey(provider);
  if (recipient === undefined) throw new KopirError('internal_error', `${provider} publishes no encryption key`);
  return { bodyJwe: await encryptBody(body, recipient.key, { kid: recipient.kid, requestId }) };
}

/**
 * The answer JWS in a provider's reply: the reply itself when the request went in clear, else the decrypted JWE.
 * An answer in clear to an encrypted request, or one that does not decrypt with the gateway's keys (another key,
 * another request, a changed byte), is the provider's fault: provider_error, and nothing of it is used.
 */
export async function answerOf(
  reply: string,
  sent: EnvelopeBody,
  keys: DecryptionKey,
  requestId: string,
): Promise<string> {
  if (!('bodyJwe' in sent)) return reply;
  // Compact JWE: five parts (RFC 7516 §7.1); a compact JWS has three.
  if (reply.split('.').length !== 5) {
    throw new KopirError('provider_error', 'The provider answered in clear a service that requires encrypted bodies');
  }
  try {
    return await decryptAnswer(reply, keys, { requestId });
  } catch (cause) {
    throw new KopirError('provider_error', "The provider's encrypted answer does not decrypt with the gateway's key", {
      cause,
    });
  }
}
