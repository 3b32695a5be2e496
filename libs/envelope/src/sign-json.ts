import type { KeyObject } from 'node:crypto';
import { canonicalize } from './canonicalize';
import { EnvelopeInvalidError } from './errors';
import { algorithmForKey } from './lib/algorithms';
import { signInput } from './lib/jws-crypto';

/** Options of {@link signJson}. */
export interface SignJsonOptions {
  /** Key id (RFC 7515 §4.1.4) the verifier resolves the public key by, e.g. a JWK thumbprint or a system id. */
  readonly kid: string;
  /** Media type of the document (RFC 7515 §4.1.9), e.g. `kopir-federation+jws`; verifiers insist on it. */
  readonly typ: string;
  /** For RSA keys only: sign RS256 instead of the default PS256. */
  readonly rs256?: boolean;
}

// The protected header is the same for every document a key signs of one type: encode it once. Bounded, so that a
// caller signing under ever new key ids cannot grow it without limit.
const headers = new Map<string, string>();
const MAX_HEADERS = 256;

function encodedHeader(alg: string, kid: string, typ: string): string {
  const cacheKey = `${alg}\n${kid}\n${typ}`;
  let header = headers.get(cacheKey);
  if (header === undefined) {
    header = Buffer.from(JSON.stringify({ alg, kid, typ })).toString('base64url');
    if (headers.size >= MAX_HEADERS) headers.clear();
    headers.set(cacheKey, header);
  }
  return header;
}

/**
 * Signs a JSON document as a compact JWS (RFC 7515 §7.1) whose payload is the document's RFC 8785 canonical form,
 * so any verifier can check that the payload it parsed is exactly what was signed. The algorithm follows from the
 * key: ES256 (P-256), ES384 (P-384), EdDSA (Ed25519), PS256 or RS256 (RSA). The protected header is
 * `{ alg, kid, typ }` and nothing else.
 *
 * @throws EnvelopeInvalidError (`request_invalid`) for a missing kid/typ, a non-private key, or a payload that is
 *   not I-JSON.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- async so every sign/verify has one shape
export async function signJson(payload: object, key: KeyObject, options: SignJsonOptions): Promise<string> {
  if (typeof payload !== 'object' || payload === null) throw new EnvelopeInvalidError('Payload must be a JSON object');
  if (!options.kid) throw new EnvelopeInvalidError('A key id (kid) is required');
  if (!options.typ) throw new EnvelopeInvalidError('A document type (typ) is required');
  if (key.type !== 'private') throw new EnvelopeInvalidError(`Signing needs a private key, not a ${key.type} key`);
  const alg = algorithmForKey(key, options.rs256 === true);
  const header = encodedHeader(alg, options.kid, options.typ);
  const body = Buffer.from(canonicalize(payload)).toString('base64url');
  const input = `${header}.${body}`;
  return `${input}.${signInput(input, key, alg)}`;
}
