import type { KeyObject } from 'node:crypto';
import { SignatureInvalidError } from './errors';
import { allowList, assertAllowed, keyFitsAlgorithm, type SigningAlgorithm } from './lib/algorithms';
import { decodeUtf8, parseCanonical, splitCompact } from './lib/compact';
import { verifyInput } from './lib/jws-crypto';

/** A verification key, or a resolver from the JWS `kid` to the key (undefined: unknown key id). */
export type VerificationKey = KeyObject | ((kid: string) => KeyObject | undefined);

/** Options of {@link verifyJson}. */
export interface VerifyJsonOptions {
  /** The `typ` the document must carry (RFC 7515 §4.1.9); a JWS of another type is rejected. */
  readonly typ: string;
  /** Allowed algorithms, a subset of SIGNING_ALGORITHMS (default: all of them). `none` and HMAC never pass. */
  readonly algorithms?: readonly string[];
}

/** What {@link verifyJson} proves: this payload was signed by the key named `kid` with `alg`. */
export interface VerifiedJson<T> {
  readonly payload: T;
  readonly kid: string;
  readonly alg: SigningAlgorithm;
}

/**
 * Verifies a compact JWS made by {@link signJson}. Every check that needs no cryptography runs first: the compact
 * form, the header (`typ`, `kid`, `alg` in the allow-list, no `crit`/`b64`/embedded keys), the key's type against
 * `alg`, and that the payload is exactly the RFC 8785 canonical form of itself (so no two byte strings can carry the
 * same document). Then the signature.
 *
 * @throws SignatureInvalidError (`signature_invalid`) on any failure.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- async: callers must not depend on it being sync
export async function verifyJson<T>(
  jws: string,
  key: VerificationKey,
  options: VerifyJsonOptions,
): Promise<VerifiedJson<T>> {
  const allowed = allowList(options.algorithms);
  const { header, encodedHeader, encodedPayload, encodedSignature } = splitCompact(jws);
  const { kid, alg, publicKey } = checkHeader(header, key, options.typ, allowed);
  const text = decodeUtf8(encodedPayload, 'payload');
  const payload = parseCanonical(text);
  if (!verifyInput(`${encodedHeader}.${encodedPayload}`, encodedSignature, publicKey, alg)) {
    throw new SignatureInvalidError('JWS signature does not verify');
  }
  return { payload: payload as T, kid, alg };
}

/**
 * {@link verifyJson} of a JWS whose payload the verifier rebuilt itself (RFC 7515 Appendix F): `detachedJws` is
 * `<header>..<signature>` and `canonical` the payload text, which the caller made with canonicalize. The same checks
 * in the same order, the same refusals and the same result as verifyJson of the attached JWS; only the payload's
 * round trip is left out (base64url-decoding what was just encoded, and parsing and re-serializing it to prove it
 * canonical, which text from canonicalize always is).
 *
 * @throws SignatureInvalidError (`signature_invalid`) on any failure.
 */
export function verifyRebuiltJson<T>(
  detachedJws: string,
  canonical: string,
  key: VerificationKey,
  options: VerifyJsonOptions,
): VerifiedJson<T> {
  const allowed = allowList(options.algorithms);
  const { header, encodedHeader, encodedSignature } = splitCompact(detachedJws, true);
  const { kid, alg, publicKey } = checkHeader(header, key, options.typ, allowed);
  const encodedPayload = Buffer.from(canonical).toString('base64url');
  if (!verifyInput(`${encodedHeader}.${encodedPayload}`, encodedSignature, publicKey, alg)) {
    throw new SignatureInvalidError('JWS signature does not verify');
  }
  return { payload: JSON.parse(canonical) as T, kid, alg };
}

/** The header checks of {@link verifyJson}: `typ`, `alg` in the allow-list, `kid` known, the key fitting `alg`. */
function checkHeader(
  header: Readonly<Record<string, unknown>>,
  key: VerificationKey,
  typ: string,
  allowed: readonly SigningAlgorithm[],
): { readonly kid: string; readonly alg: SigningAlgorithm; readonly publicKey: KeyObject } {
  if (header.typ !== typ) {
    throw new SignatureInvalidError(`JWS type ${JSON.stringify(header.typ)} is not ${JSON.stringify(typ)}`);
  }
  const alg = assertAllowed(header.alg, allowed);
  const kid = header.kid;
  if (typeof kid !== 'string' || kid === '') throw new SignatureInvalidError('JWS header has no key id (kid)');
  const publicKey = typeof key === 'function' ? key(kid) : key;
  if (publicKey === undefined) throw new SignatureInvalidError(`Unknown signing key ${JSON.stringify(kid)}`);
  if (!keyFitsAlgorithm(publicKey, alg)) {
    throw new SignatureInvalidError(`Key ${JSON.stringify(kid)} cannot verify ${alg}`);
  }
  return { kid, alg, publicKey };
}
