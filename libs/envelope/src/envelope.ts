import type { KeyObject } from 'node:crypto';
import { EnvelopeInvalidError, SignatureInvalidError } from './errors';
import { checkFreshness, type FreshnessOptions } from './lib/freshness';
import { withMembers } from './lib/with-members';
import { sha256 } from './request-signature';
import { signJson } from './sign-json';
import { verifyJson, type VerificationKey } from './verify-json';

/** The `typ` of the gateway's envelope. */
export const ENVELOPE_TYP = 'kopir-envelope+jws';

/** What the gateway tells a provider (DESIGN.md step 3). Times are seconds since the epoch. */
export interface Envelope {
  readonly v: 1;
  readonly requestId: string;
  /** The consumer system, `<agency>/<system>`, from its TLS certificate. */
  readonly client: string;
  /** `<agency>/<system>/<service>`. */
  readonly service: string;
  readonly purpose: string;
  readonly subject: string;
  /** The fields the access rule allows the provider to return. */
  readonly fields: readonly string[];
  /** The request body as JSON, or absent when `bodyJwe` carries it encrypted. */
  readonly body?: unknown;
  /** Compact JWE (ECDH-ES + A256GCM) of the body to the provider's key. */
  readonly bodyJwe?: string;
  /** The consumer's Kopir-Signature, kept so the provider (and any later auditor) can check who asked. */
  readonly consumerSignature: string;
  readonly iat: number;
  readonly exp: number;
}

/** Fields of {@link Envelope} a caller gives; `v`, `iat` and `exp` are set by {@link signEnvelope}. */
export type EnvelopeFields = Omit<Envelope, 'v' | 'iat' | 'exp'>;

/**
 * Signs the gateway's envelope: a compact JWS over its RFC 8785 canonical JSON, `typ` kopir-envelope+jws, valid for
 * `ttlSeconds` (default 30: a provider that answers later is answering a question nobody waits for).
 */
export async function signEnvelope(
  fields: EnvelopeFields,
  key: KeyObject,
  options: { readonly kid: string; readonly now?: Date; readonly ttlSeconds?: number },
): Promise<string> {
  if ((fields.body === undefined) === (fields.bodyJwe === undefined)) {
    throw new EnvelopeInvalidError('An envelope carries exactly one of body and bodyJwe');
  }
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const envelope: Envelope = withMembers(fields, { v: 1 as const, iat, exp: iat + (options.ttlSeconds ?? 30) });
  return signJson(envelope, key, { kid: options.kid, typ: ENVELOPE_TYP });
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/**
 * Verifies an envelope (signature, `typ`, allow-list, canonical form, then `iat`/`exp` with clock skew) and returns
 * it. A provider calls this before any other work on a message from Kafka.
 *
 * @throws SignatureInvalidError, RequestExpiredError.
 */
export async function verifyEnvelope(
  jws: string,
  key: VerificationKey,
  options: FreshnessOptions & { readonly algorithms?: readonly string[] } = {},
): Promise<Envelope> {
  return (await verifySignedEnvelope(jws, key, options)).envelope;
}

/**
 * {@link verifyEnvelope}, with the key id of the gateway key that signed it (for logs and audit: which gateway key
 * a provider accepted).
 *
 * @throws SignatureInvalidError, RequestExpiredError.
 */
export async function verifySignedEnvelope(
  jws: string,
  key: VerificationKey,
  options: FreshnessOptions & { readonly algorithms?: readonly string[] } = {},
): Promise<{ readonly envelope: Envelope; readonly kid: string }> {
  const { payload, kid } = await verifyJson<Record<string, unknown>>(jws, key, {
    typ: ENVELOPE_TYP,
    ...(options.algorithms ? { algorithms: options.algorithms } : {}),
  });
  const e = payload;
  const strings = ['requestId', 'client', 'service', 'purpose', 'subject', 'consumerSignature'];
  if (e.v !== 1 || strings.some((k) => typeof e[k] !== 'string') || !isStringArray(e.fields)) {
    throw new SignatureInvalidError('The envelope is malformed');
  }
  if ('body' in e === 'bodyJwe' in e || ('bodyJwe' in e && typeof e.bodyJwe !== 'string')) {
    throw new SignatureInvalidError('The envelope must carry exactly one of body and bodyJwe');
  }
  checkFreshness(e.iat, options, e.exp);
  return { envelope: e as unknown as Envelope, kid };
}

/** The SHA-256 (base64url) of a compact envelope: what a provider's answer binds itself to. */
export function envelopeDigest(envelopeJws: string): string {
  return sha256(envelopeJws);
}
