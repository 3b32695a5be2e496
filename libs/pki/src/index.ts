/**
 * @kopir/pki: the intranet PKI, the only place that creates keys and certificates (DESIGN.md "Identities").
 */
export { ClientCertificateInvalidError, KeyMaterialInvalidError } from './errors';
export { certificateFingerprint } from './keys/fingerprint';
export {
  KEY_TYPES,
  SIGNING_KEY_ALGORITHMS,
  generateKeyPair,
  generateSigningKey,
  isKeyType,
  type KeyPair,
  type KeyType,
  type SigningKeyAlgorithm,
} from './keys/generate-key-pair';
export { jwkToPublicKey, keyThumbprint, publicKeyToJwk, type PublicJwk } from './keys/jwk';
export { loadPrivateKey, loadPublicKey, privateKeyToPem, publicKeyToPem, type PemSource } from './keys/load-key';
