import { constants, sign, verify, type KeyObject } from 'node:crypto';
import type { SigningAlgorithm } from './algorithms';

/**
 * JWS signature computation with node:crypto, synchronously (RFC 7518 §3.3-§3.5, RFC 8037 §3.1). jose computes the
 * same values through WebCrypto's async API, which costs 3-10× the signature itself on this workload (measured by
 * test/bench/envelope.bench.ts); the tests check interoperability with jose in both directions.
 */
function options(alg: SigningAlgorithm): { hash: string | null; extra: Record<string, unknown> } {
  switch (alg) {
    case 'ES256':
      return { hash: 'sha256', extra: { dsaEncoding: 'ieee-p1363' } };
    case 'ES384':
      return { hash: 'sha384', extra: { dsaEncoding: 'ieee-p1363' } };
    case 'EdDSA':
      return { hash: null, extra: {} };
    case 'PS256':
      // RFC 7518 §3.5: RSASSA-PSS with SHA-256, MGF1 with SHA-256, salt as long as the hash.
      return { hash: 'sha256', extra: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } };
    case 'RS256':
      return { hash: 'sha256', extra: { padding: constants.RSA_PKCS1_PADDING } };
  }
}

/** The JWS Signature (base64url) of the ASCII signing input `header.payload`. */
export function signInput(signingInput: string, key: KeyObject, alg: SigningAlgorithm): string {
  const { hash, extra } = options(alg);
  return sign(hash, Buffer.from(signingInput, 'ascii'), { key, ...extra }).toString('base64url');
}

/** True when `signature` (base64url) is `alg`'s signature of `signingInput` by `key`. */
export function verifyInput(signingInput: string, signature: string, key: KeyObject, alg: SigningAlgorithm): boolean {
  const { hash, extra } = options(alg);
  try {
    return verify(hash, Buffer.from(signingInput, 'ascii'), { key, ...extra }, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}
