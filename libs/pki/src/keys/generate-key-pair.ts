import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { KeyMaterialInvalidError } from '../errors';

/** The kinds of key the intranet PKI makes. ECDSA P-256 is the default (DESIGN.md "Identities"). */
export const KEY_TYPES = ['P-256', 'P-384', 'Ed25519', 'RSA-2048', 'RSA-3072'] as const;

/** One of {@link KEY_TYPES}. */
export type KeyType = (typeof KEY_TYPES)[number];

/** A freshly generated asymmetric key pair. */
export interface KeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** True when `value` names one of {@link KEY_TYPES}. */
export function isKeyType(value: unknown): value is KeyType {
  return typeof value === 'string' && (KEY_TYPES as readonly string[]).includes(value);
}

/**
 * Generates a key pair with node:crypto (OpenSSL's CSPRNG): ECDSA P-256 unless asked otherwise; RSA-2048/3072 for
 * systems whose software cannot use elliptic curves; Ed25519 for the audit checkpoints (C2SP signed notes).
 */
export function generateKeyPair(type: KeyType = 'P-256'): KeyPair {
  switch (type) {
    case 'P-256':
      return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    case 'P-384':
      return generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    case 'Ed25519':
      return generateKeyPairSync('ed25519');
    case 'RSA-2048':
      return generateKeyPairSync('rsa', { modulusLength: 2048 });
    case 'RSA-3072':
      return generateKeyPairSync('rsa', { modulusLength: 3072 });
    default:
      throw new KeyMaterialInvalidError(`Unknown key type ${JSON.stringify(type)}; one of ${KEY_TYPES.join(', ')}`);
  }
}

/** JWS algorithms a signing key can be generated for (RFC 7518 §3.1, RFC 8037 §3.1). */
export const SIGNING_KEY_ALGORITHMS = ['ES256', 'ES384', 'EdDSA', 'PS256', 'RS256'] as const;

/** One of {@link SIGNING_KEY_ALGORITHMS}. */
export type SigningKeyAlgorithm = (typeof SIGNING_KEY_ALGORITHMS)[number];

/**
 * Generates a key pair for a JWS algorithm: ES256 → P-256 (the default), ES384 → P-384, EdDSA → Ed25519,
 * PS256/RS256 → RSA-3072 (NIST SP 800-57 pairs 3072-bit RSA with the 128-bit strength of P-256).
 */
export function generateSigningKey(alg: SigningKeyAlgorithm = 'ES256'): KeyPair {
  switch (alg) {
    case 'ES256':
      return generateKeyPair('P-256');
    case 'ES384':
      return generateKeyPair('P-384');
    case 'EdDSA':
      return generateKeyPair('Ed25519');
    case 'PS256':
    case 'RS256':
      return generateKeyPair('RSA-3072');
    default:
      throw new KeyMaterialInvalidError(
        `Unknown signing algorithm ${JSON.stringify(alg)}; one of ${SIGNING_KEY_ALGORITHMS.join(', ')}`,
      );
  }
}
