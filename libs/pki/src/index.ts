/**
 * @kopir/pki: the intranet PKI, the only place that creates keys and certificates (DESIGN.md "Identities").
 */
export { normalizeSerial, type CertificateAuthority, type IssuedCertificate } from './ca/certificate-authority';
export { createIssuingCa, createRootCa, type CaOptions } from './ca/create-ca';
export { createCrl, type CrlOptions, type RevocationReason, type RevokedEntry } from './ca/create-crl';
export { DOCUMENT_SIGNING_EKU, issueCertificate, type IssueOptions } from './ca/issue-certificate';
export {
  CERTIFICATE_KINDS,
  KAFKA_CLIENT_URI_PREFIX,
  OFFICER_URI_PREFIX,
  isCertificateKind,
  isPrincipalName,
  type CertificateKind,
  type CertificateProfile,
} from './ca/profiles';
export type { ValidityOptions } from './ca/validity';
export {
  KAFKA_CONTAINER_CERTS,
  KAFKA_TOOLS_CLIENT,
  REFERENCE_KAFKA_BROKERS,
  REFERENCE_KAFKA_CLIENTS,
  REFERENCE_OFFICERS,
  REFERENCE_SYSTEMS,
  devPkiPaths,
  type CertificateFiles,
  type DevPkiPaths,
  type KafkaKeystoreFiles,
  type KeyFiles,
  type SystemFiles,
} from './dev/dev-pki-paths';
export {
  ensureEncryptionKey,
  initDevPki,
  publicKeyOf,
  type InitDevPkiOptions,
  type InitDevPkiResult,
} from './dev/init-dev-pki';
export { PkiDirectory, kafkaClientProperties, type CertificateRecord } from './dev/pki-directory';
export { ClientCertificateInvalidError, KeyMaterialInvalidError, RevocationTargetAmbiguousError } from './errors';
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
export { exportPkcs12, type Pkcs12Options } from './keys/export-pkcs12';
export { jwkToPublicKey, keyThumbprint, keysByKid, publicKeyToJwk, type PublicJwk } from './keys/jwk';
export { loadPrivateKey, loadPublicKey, privateKeyToPem, publicKeyToPem, type PemSource } from './keys/load-key';
export {
  identityFromPeerCertificate,
  principalFromUri,
  type PeerCertificateLike,
  type PeerIdentity,
  type PeerIdentityOptions,
  type PeerPrincipal,
} from './identity/identity-from-peer-certificate';
export { escapeRfc2253, kafkaPrincipal } from './identity/kafka-principal';
export { readCrls, revokedSerialsFromCrl, splitCrls, type CrlInfo, type CrlState } from './ca/read-crl';
export { readTlsFiles, type TlsFiles, type TlsMaterial } from './tls/read-tls-files';
export { SESSION_TICKET_LIFETIME_SECONDS, TrustStore, type TrustStoreOptions } from './tls/trust-store';
export { DEFAULT_HANDSHAKE_TIMEOUT_MS, limitConnectionsPerAddress } from './tls/connection-guard';
