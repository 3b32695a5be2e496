import { X509Certificate } from 'node:crypto';
import { systemFromUri, type SystemId } from '@kopir/contracts';
import { normalizeSerial } from '../ca/certificate-authority';
import { KAFKA_CLIENT_URI_PREFIX, OFFICER_URI_PREFIX, isPrincipalName } from '../ca/profiles';
import { ClientCertificateInvalidError } from '../errors';
import { certificateFingerprint } from '../keys/fingerprint';
import { x509 } from '../lib/x509';

/** Who a verified client certificate names. */
export type PeerPrincipal =
  | { readonly kind: 'system'; readonly system: SystemId }
  | { readonly kind: 'officer'; readonly officer: string }
  | { readonly kind: 'kafka-client'; readonly client: string };

/** A verified peer: the principal plus what identifies the certificate itself (for audit records). */
export type PeerIdentity = PeerPrincipal & {
  readonly serial: string;
  readonly fingerprint: string;
  readonly subject: string;
  readonly notAfter: Date;
};

/** What Node's `tlsSocket.getPeerCertificate(true)` returns, as far as this check needs it. */
export interface PeerCertificateLike {
  readonly raw: Buffer;
  readonly issuerCertificate?: PeerCertificateLike;
}

/** Options of {@link identityFromPeerCertificate}. */
export interface PeerIdentityOptions {
  /** The root CAs trusted (the intranet root). */
  readonly trustAnchors: readonly X509Certificate[];
  /** Intermediate CAs the peer may not have sent (the issuing CA). */
  readonly intermediates?: readonly X509Certificate[];
  /** Serials (hex, any spelling) revoked by the CRL the caller loaded. */
  readonly revokedSerials?: ReadonlySet<string>;
  /** Extended key usage the certificate must have (default clientAuth). */
  readonly purpose?: 'clientAuth' | 'serverAuth';
  readonly now?: Date;
}

const EKU = { clientAuth: '1.3.6.1.5.5.7.3.2', serverAuth: '1.3.6.1.5.5.7.3.1' } as const;
const MAX_DEPTH = 4;

function fail(message: string, cause?: unknown): never {
  throw new ClientCertificateInvalidError(message, cause === undefined ? {} : { cause });
}

function toX509(value: X509Certificate | PeerCertificateLike | string | Buffer): X509Certificate {
  try {
    if (value instanceof X509Certificate) return value;
    if (typeof value === 'string' || Buffer.isBuffer(value)) return new X509Certificate(value);
    return new X509Certificate(value.raw);
  } catch (cause) {
    return fail('The peer certificate cannot be parsed', cause);
  }
}

/** The certificates Node's detailed peer certificate links to (its chain as sent), root's self-link excluded. */
function sentChain(peer: unknown): X509Certificate[] {
  const chain: X509Certificate[] = [];
  let link = (peer as PeerCertificateLike | undefined)?.issuerCertificate;
  let previous: unknown = peer;
  while (link && link !== previous && chain.length < MAX_DEPTH && Buffer.isBuffer(link.raw)) {
    chain.push(new X509Certificate(link.raw));
    previous = link;
    link = link.issuerCertificate;
  }
  return chain;
}

function checkValidity(cert: X509Certificate, now: Date, what: string): void {
  if (now.getTime() < Date.parse(cert.validFrom)) fail(`The ${what} certificate is not valid yet`);
  if (now.getTime() > Date.parse(cert.validTo)) fail(`The ${what} certificate has expired`);
}

/**
 * The Köpir identity a TLS peer certificate proves, checked independently of the TLS stack (defence in depth, and
 * usable outside a handshake): the chain up to a trust anchor (RFC 5280 §6.1: signature, issuer name, CA flag), the
 * validity window of every certificate, revocation against the caller's CRL serials, keyUsage digitalSignature and
 * the extended key usage (RFC 5280 §4.2.1.3, §4.2.1.12), and exactly one Köpir SAN URI (`urn:kopir:system:`,
 * `urn:kopir:officer:`, `urn:kopir:kafka:`).
 *
 * Accepts Node's `getPeerCertificate(true)` result (the chain the peer sent is used), `getPeerX509Certificate()`,
 * or PEM/DER.
 *
 * @throws ClientCertificateInvalidError (`client_certificate_invalid`) naming the failed check.
 */
export function identityFromPeerCertificate(
  peer: X509Certificate | PeerCertificateLike | string | Buffer,
  options: PeerIdentityOptions,
): PeerIdentity {
  if (
    peer === undefined ||
    peer === null ||
    (typeof peer === 'object' && Object.keys(peer).length === 0 && !(peer instanceof X509Certificate))
  ) {
    fail('No client certificate was presented');
  }
  const now = options.now ?? new Date();
  const leaf = toX509(peer);
  if (leaf.ca) fail('A CA certificate cannot identify a peer');
  checkValidity(leaf, now, 'peer');
  const revoked = new Set([...(options.revokedSerials ?? [])].map(normalizeSerial));
  if (revoked.has(normalizeSerial(leaf.serialNumber))) fail('The peer certificate is revoked');

  // Walk up: each step needs an issuer whose subject matches and whose key verifies the signature.
  const anchors = options.trustAnchors;
  const pool = [...(options.intermediates ?? []), ...(peer instanceof X509Certificate ? [] : sentChain(peer))];
  let current = leaf;
  for (let depth = 0; ; depth++) {
    if (depth >= MAX_DEPTH) fail('The certificate chain is too long');
    const anchor = anchors.find((a) => current.checkIssued(a) && current.verify(a.publicKey));
    if (anchor) {
      checkValidity(anchor, now, 'root CA');
      break;
    }
    const issuer = pool.find((c) => c.ca && current.checkIssued(c) && current.verify(c.publicKey));
    if (!issuer) fail('The peer certificate is not issued by a trusted CA');
    checkValidity(issuer, now, 'issuing CA');
    if (revoked.has(normalizeSerial(issuer.serialNumber))) fail('The issuing CA is revoked');
    current = issuer;
  }

  const parsed = new x509.X509Certificate(leaf.raw);
  const keyUsage = parsed.getExtension(x509.KeyUsagesExtension);
  if (!keyUsage || (keyUsage.usages & x509.KeyUsageFlags.digitalSignature) === 0) {
    fail('The peer certificate does not allow digitalSignature');
  }
  const purpose = options.purpose ?? 'clientAuth';
  const eku = parsed.getExtension(x509.ExtendedKeyUsageExtension);
  if (!eku || !eku.usages.map(String).includes(EKU[purpose])) fail(`The peer certificate does not allow ${purpose}`);

  const uris = (parsed.getExtension(x509.SubjectAlternativeNameExtension)?.names.items ?? [])
    .filter((name) => name.type === 'url')
    .map((name) => name.value)
    .filter((uri) => uri.startsWith('urn:kopir:'));
  if (uris.length !== 1) fail(`The peer certificate must name exactly one Köpir identity, found ${uris.length}`);
  const principal = principalFromUri(uris[0] as string);
  if (!principal) fail('The peer certificate names a malformed Köpir identity');
  return {
    ...principal,
    serial: normalizeSerial(leaf.serialNumber),
    fingerprint: certificateFingerprint(leaf),
    subject: leaf.subject.split('\n').join(', '),
    notAfter: new Date(leaf.validTo),
  };
}

/** The principal a Köpir SAN URI names, or undefined. */
export function principalFromUri(uri: string): PeerPrincipal | undefined {
  const system = systemFromUri(uri);
  if (system) return { kind: 'system', system };
  if (uri.startsWith(OFFICER_URI_PREFIX)) {
    const officer = uri.slice(OFFICER_URI_PREFIX.length);
    return isPrincipalName(officer) ? { kind: 'officer', officer } : undefined;
  }
  if (uri.startsWith(KAFKA_CLIENT_URI_PREFIX)) {
    const client = uri.slice(KAFKA_CLIENT_URI_PREFIX.length);
    return isPrincipalName(client) ? { kind: 'kafka-client', client } : undefined;
  }
  return undefined;
}
