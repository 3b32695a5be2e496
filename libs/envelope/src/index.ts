/**
 * @kopir/envelope: the only place that signs and verifies (DESIGN.md "One request, end to end"). Canonical JSON
 * (RFC 8785), signed JSON documents (compact JWS), and the typed errors every verification raises.
 */
export { canonicalize } from './canonicalize';
export { EnvelopeInvalidError, ReplayDetectedError, RequestExpiredError, SignatureInvalidError } from './errors';
export { SIGNING_ALGORITHMS, algorithmForKey, isSigningAlgorithm, type SigningAlgorithm } from './lib/algorithms';
export { signJson, type SignJsonOptions } from './sign-json';
export { verifyJson, type VerificationKey, type VerifiedJson, type VerifyJsonOptions } from './verify-json';
