import { canonicalize } from '../canonicalize';
import { SignatureInvalidError } from '../errors';

/** A compact JWS (RFC 7515 §7.1) split into its parts, with its protected header decoded. Nothing verified yet. */
export interface CompactParts {
  readonly header: Readonly<Record<string, unknown>>;
  readonly encodedHeader: string;
  readonly encodedPayload: string;
  readonly encodedSignature: string;
}

// RFC 7515 §2: BASE64URL without padding. The signature part of a real signature is never empty.
export const B64URL = /^[A-Za-z0-9_-]*$/;

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes base64url text to UTF-8, rejecting invalid UTF-8 (a lenient decoder would let two inputs mean one). */
export function decodeUtf8(encoded: string, what: string): string {
  try {
    return fatalUtf8.decode(Buffer.from(encoded, 'base64url'));
  } catch (cause) {
    throw new SignatureInvalidError(`JWS ${what} is not UTF-8`, { cause });
  }
}

const B64URL_VALUE = new Map(
  [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].map((c, i) => [c, i]),
);

/**
 * True when `part` (already known to hold only base64url characters) is the one spelling of its bytes: RFC 4648 §3.5
 * canonical encoding, the pad bits of the last character zero, and no length that leaves a lone character. The same
 * answer as decoding and re-encoding, without touching the other characters.
 */
export function isCanonicalBase64url(part: string): boolean {
  const rest = part.length % 4;
  if (rest === 0) return true;
  if (rest === 1) return false;
  const last = B64URL_VALUE.get(part[part.length - 1] as string) ?? 0;
  // 2 characters carry 1 byte (4 pad bits), 3 characters carry 2 bytes (2 pad bits).
  return (last & (rest === 2 ? 0x0f : 0x03)) === 0;
}

/**
 * Splits a compact JWS and decodes its protected header: the guard clauses that run before any cryptography.
 * Rejects anything that is not exactly three base64url parts, a header that is not a JSON object, and the
 * header parameters Köpir never uses (`crit`, RFC 7515 §4.1.11; `b64`, RFC 7797; embedded keys `jwk`/`jku`/`x5u`,
 * which would let the signer choose the key it is checked with).
 */
export function splitCompact(jws: unknown, detached = false): CompactParts {
  if (typeof jws !== 'string' || jws.length === 0) throw new SignatureInvalidError('JWS is missing');
  const parts = jws.split('.');
  if (parts.length !== 3) throw new SignatureInvalidError('JWS is not in compact serialization');
  const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];
  if (!B64URL.test(encodedHeader) || !B64URL.test(encodedPayload) || !B64URL.test(encodedSignature)) {
    throw new SignatureInvalidError('JWS parts are not base64url');
  }
  if (encodedHeader === '' || encodedSignature === '') throw new SignatureInvalidError('JWS part is empty');
  // The last character of a base64url part can carry unused bits: two spellings, one byte string. Only the canonical
  // one is accepted, so a JWS has exactly one valid spelling (found by the single-byte-change property test: a
  // signature whose unused bits were flipped still verified).
  if (![encodedHeader, encodedPayload, encodedSignature].every(isCanonicalBase64url)) {
    throw new SignatureInvalidError('JWS part is not canonical base64url');
  }
  if (detached !== (encodedPayload === '')) {
    throw new SignatureInvalidError(detached ? 'JWS payload must be detached' : 'JWS payload is missing');
  }
  let header: unknown;
  try {
    header = JSON.parse(decodeUtf8(encodedHeader, 'header'));
  } catch (cause) {
    if (cause instanceof SignatureInvalidError) throw cause;
    throw new SignatureInvalidError('JWS header is not JSON', { cause });
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new SignatureInvalidError('JWS header is not a JSON object');
  }
  for (const forbidden of ['crit', 'b64', 'jwk', 'jku', 'x5u', 'x5c']) {
    if (forbidden in header) throw new SignatureInvalidError(`JWS header parameter "${forbidden}" is not accepted`);
  }
  return { header: header as Record<string, unknown>, encodedHeader, encodedPayload, encodedSignature };
}

/** Parses a JSON payload and insists it is already in canonical form (RFC 8785), returning the parsed value. */
export function parseCanonical(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new SignatureInvalidError('JWS payload is not JSON', { cause });
  }
  let canonical: string;
  try {
    canonical = canonicalize(value);
  } catch (cause) {
    throw new SignatureInvalidError('JWS payload is not I-JSON', { cause });
  }
  if (canonical !== text) throw new SignatureInvalidError('JWS payload is not in canonical form (RFC 8785)');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SignatureInvalidError('JWS payload is not a JSON object');
  }
  return value;
}
