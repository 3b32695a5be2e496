import type { KeyObject } from 'node:crypto';
import { EnvelopeInvalidError, SignatureInvalidError } from '../errors';

/**
 * The JWS algorithms Köpir signs and verifies with (RFC 7518 §3.1, RFC 8037 §3.1). Only asymmetric ones: `none`
 * (RFC 7518 §3.6) and HMAC (HS*) are never accepted, whatever a caller asks for, because an HMAC "verification" with
 * a public key turns the public key into a shared secret (the classic algorithm-confusion attack).
 */
export const SIGNING_ALGORITHMS = ['ES256', 'ES384', 'EdDSA', 'PS256', 'RS256'] as const;

/** One of {@link SIGNING_ALGORITHMS}. */
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export function isSigningAlgorithm(value: unknown): value is SigningAlgorithm {
  return typeof value === 'string' && (SIGNING_ALGORITHMS as readonly string[]).includes(value);
}

/**
 * The algorithm a key signs with: ES256 for P-256, ES384 for P-384, EdDSA for Ed25519, PS256 for RSA (RS256 when
 * `preferRs256`, for peers that cannot do RSASSA-PSS) and for RSA-PSS keys.
 */
export function algorithmForKey(key: KeyObject, preferRs256 = false): SigningAlgorithm {
  switch (key.asymmetricKeyType) {
    case 'ec':
      if (key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
      if (key.asymmetricKeyDetails?.namedCurve === 'secp384r1') return 'ES384';
      break;
    case 'ed25519':
      return 'EdDSA';
    case 'rsa':
      return preferRs256 ? 'RS256' : 'PS256';
    case 'rsa-pss':
      return 'PS256';
    case 'dsa':
    case 'ed448':
    case 'x25519':
    case 'x448':
    case undefined:
      break;
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  throw new EnvelopeInvalidError(
    `No allowed signing algorithm for a ${key.type} ${String(key.asymmetricKeyType)}${curve ? ` ${curve}` : ''} key`,
  );
}

/** True when `key` is a public key of the type `alg` needs (RFC 7518 §3.1: the key decides, not the header). */
export function keyFitsAlgorithm(key: KeyObject, alg: SigningAlgorithm): boolean {
  if (key.type !== 'public') return false;
  const type = key.asymmetricKeyType;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  switch (alg) {
    case 'ES256':
      return type === 'ec' && curve === 'prime256v1';
    case 'ES384':
      return type === 'ec' && curve === 'secp384r1';
    case 'EdDSA':
      return type === 'ed25519';
    case 'PS256':
      return type === 'rsa' || type === 'rsa-pss';
    case 'RS256':
      return type === 'rsa';
  }
}

/**
 * The allow-list a verification uses: the caller's list, restricted to {@link SIGNING_ALGORITHMS}. A caller that
 * names `none` or an HMAC algorithm gets an error at once rather than a silently narrower list.
 */
export function allowList(requested: readonly string[] | undefined): readonly SigningAlgorithm[] {
  if (requested === undefined) return SIGNING_ALGORITHMS;
  const bad = requested.filter((alg) => !isSigningAlgorithm(alg));
  if (bad.length > 0) {
    throw new EnvelopeInvalidError(
      `Algorithms ${bad.join(', ')} are not allowed; allowed: ${SIGNING_ALGORITHMS.join(', ')}`,
    );
  }
  if (requested.length === 0) throw new EnvelopeInvalidError('The algorithm allow-list is empty');
  return requested as readonly SigningAlgorithm[];
}

/** Throws signature_invalid unless `alg` is in `allowed`. */
export function assertAllowed(alg: unknown, allowed: readonly SigningAlgorithm[]): SigningAlgorithm {
  if (!isSigningAlgorithm(alg) || !allowed.includes(alg)) {
    throw new SignatureInvalidError(`JWS algorithm ${JSON.stringify(alg)} is not allowed`);
  }
  return alg;
}
