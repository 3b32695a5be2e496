/**
 * @kopir/envelope: the only place that signs and verifies (DESIGN.md "One request, end to end"): canonical JSON
 * (RFC 8785), signed JSON documents, the consumer's request signature, the gateway's envelope, the provider's
 * answer, the replay guard, and the typed errors every verification raises.
 */
export { ANSWER_TYP, signAnswer, verifyAnswer, type Answer } from './answer';
export { detachAnswer, verifyDetachedAnswer, type DetachedAnswer } from './detached-answer';
export {
  ANSWER_JWE_TYP,
  BODY_JWE_TYP,
  CONTENT_ENCRYPTION_ALGORITHMS,
  KEY_MANAGEMENT_ALGORITHMS,
  decryptAnswer,
  decryptBody,
  encryptAnswer,
  encryptBody,
  envelopeBody,
  type ContentEncryptionAlgorithm,
  type DecryptBodyOptions,
  type DecryptedBody,
  type DecryptionKey,
  type EncryptBodyOptions,
  type EncryptedBody,
  type EnvelopeBody,
  type KeyManagementAlgorithm,
} from './body-encryption';
export type { AnswerKey } from './lib/answer-key';
export { canonicalize } from './canonicalize';
export {
  ENVELOPE_TYP,
  envelopeDigest,
  signEnvelope,
  verifyEnvelope,
  verifySignedEnvelope,
  type Envelope,
  type EnvelopeFields,
} from './envelope';
export { EnvelopeInvalidError, ReplayDetectedError, RequestExpiredError, SignatureInvalidError } from './errors';
export { SIGNING_ALGORITHMS, algorithmForKey, isSigningAlgorithm, type SigningAlgorithm } from './lib/algorithms';
export {
  DEFAULT_CLOCK_SKEW_SECONDS,
  DEFAULT_MAX_AGE_SECONDS,
  checkFreshness,
  type FreshnessOptions,
} from './lib/freshness';
export { ReplayGuard, type ReplayGuardOptions } from './replay-guard';
export {
  REQUEST_SIGNATURE_TYP,
  sha256,
  signRequest,
  verifyRequest,
  type RequestSignaturePayload,
  type SignedRequest,
  type VerifiedRequest,
  type VerifyRequestOptions,
} from './request-signature';
export { signJson, type SignJsonOptions } from './sign-json';
export { verifyJson, type VerificationKey, type VerifiedJson, type VerifyJsonOptions } from './verify-json';
