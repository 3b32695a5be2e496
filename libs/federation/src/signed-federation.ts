import { createHash, type KeyObject } from 'node:crypto';
import { isKopirError } from '@kopir/contracts';
import { signJson, verifyJson, type VerificationKey } from '@kopir/envelope';
import { FederationInvalidError, FederationRefusedError } from './errors';
import { FEDERATION_JWS_TYPE, type FederationDocument } from './federation-document';
import { checkFederation, pathText } from './validate-federation';

/**
 * Signature algorithms a federation document may carry. Asymmetric only (RFC 7518 §3.1): the federation authority
 * signs, everyone else can only verify. `none` and HMAC are never accepted (verifyJson refuses them in any case).
 */
export const FEDERATION_ALGORITHMS = ['ES256', 'ES384', 'EdDSA', 'PS256'] as const;

/** A verified federation document, as a service holds it. */
export interface SignedFederation {
  readonly document: FederationDocument;
  readonly version: number;
  /** SHA-256 (base64url) of the canonical payload: tells two documents of the same version apart. */
  readonly digest: string;
  /** The authority key that signed it. */
  readonly kid: string;
  readonly expiresAt: number;
  /** The compact JWS itself, for services that pass it on. */
  readonly jws: string;
}

export interface VerifyFederationOptions {
  /** The instant to check expiry against (epoch ms). */
  readonly now: number;
  /** The federation name the service belongs to; a document of another federation is refused. */
  readonly federation?: string;
  /** The document in force: a new one must have a higher version (or be the very same document). */
  readonly current?: { readonly version: number; readonly digest: string };
}

/** Checks a document and signs it with the federation authority's key: a compact JWS over its RFC 8785 form. */
export async function signFederation(document: FederationDocument, key: KeyObject, kid: string): Promise<string> {
  const problems = checkFederation(document);
  if (problems.length > 0) {
    throw new FederationInvalidError(
      '(to sign)',
      problems.map((p) => ({ path: pathText(p.path), message: p.message })),
    );
  }
  return signJson(document, key, { kid, typ: FEDERATION_JWS_TYPE });
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Verifies a signed federation document and refuses it (FederationRefusedError, with `refusal`) when it is
 * unsigned, tampered, signed by another key, expired, of another federation, or older than the one in force
 * (rollback); a document that verifies but is malformed throws FederationInvalidError.
 */
export async function verifyFederation(
  text: string,
  authorityKey: VerificationKey,
  options: VerifyFederationOptions,
): Promise<SignedFederation> {
  const jws = text.trim();
  if (!COMPACT_JWS.test(jws)) {
    throw new FederationRefusedError('unsigned', 'The federation document is not a signed (compact JWS) document');
  }
  let verified: { payload: unknown; kid: string };
  try {
    verified = await verifyJson<unknown>(jws, authorityKey, {
      typ: FEDERATION_JWS_TYPE,
      algorithms: FEDERATION_ALGORITHMS,
    });
  } catch (cause) {
    const why = isKopirError(cause) ? cause.message : 'verification failed';
    throw new FederationRefusedError('signature_invalid', `The federation document's signature is invalid: ${why}`, {
      cause,
    });
  }
  const problems = checkFederation(verified.payload);
  if (problems.length > 0) {
    throw new FederationInvalidError(
      '(signed)',
      problems.map((p) => ({ path: pathText(p.path), message: p.message })),
    );
  }
  const document = verified.payload as FederationDocument;
  const expiresAt = Date.parse(document.expiresAt);
  if (options.now >= expiresAt) {
    throw new FederationRefusedError(
      'expired',
      `The federation document version ${document.version} expired at ${document.expiresAt}; the federation authority must sign a new one`,
    );
  }
  if (options.federation !== undefined && document.federation !== options.federation) {
    throw new FederationRefusedError(
      'wrong_federation',
      `The document is of federation ${document.federation}, not ${options.federation}`,
    );
  }
  // The payload verifyJson accepted is canonical (RFC 8785), so hashing its decoded bytes identifies the content.
  const payloadPart = jws.split('.')[1] as string;
  const digest = createHash('sha256').update(Buffer.from(payloadPart, 'base64url')).digest('base64url');
  const current = options.current;
  if (current !== undefined) {
    if (document.version < current.version) {
      throw new FederationRefusedError(
        'rollback',
        `The federation document version ${document.version} is older than version ${current.version} in force`,
      );
    }
    if (document.version === current.version && digest !== current.digest) {
      throw new FederationRefusedError(
        'rollback',
        `The federation document version ${document.version} differs from the version ${current.version} in force; a change must raise the version`,
      );
    }
  }
  return { document, version: document.version, digest, kid: verified.kid, expiresAt, jws };
}
