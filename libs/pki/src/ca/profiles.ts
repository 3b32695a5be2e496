import { isSystemId, type SystemId } from '@kopir/contracts';
import { KeyMaterialInvalidError } from '../errors';

/** Prefix of the SAN URI that names a security officer or auditor (`urn:kopir:officer:<name>`). */
export const OFFICER_URI_PREFIX = 'urn:kopir:officer:';
/** Prefix of the SAN URI that names a Kafka client (`urn:kopir:kafka:<name>`). */
export const KAFKA_CLIENT_URI_PREFIX = 'urn:kopir:kafka:';

// A DNS name as RFC 1123 §2.1 allows it in a SAN dNSName (RFC 5280 §4.2.1.6): dot-separated labels of letters,
// digits and inner hyphens. No wildcard: a broker certificate names exactly the hosts it serves.
const DNS_NAME_RE = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

// Names of officers and Kafka clients use the identifier grammar of agencies (libs/contracts), so they are safe in
// URIs, file names and log lines.
const NAME_RE = /^[a-z][a-z0-9-]{1,31}$/;

/** What a certificate is for; the profile fixes its key usage, extended key usage and names (RFC 5280 §4.2.1). */
export type CertificateProfile =
  | {
      readonly kind: 'server';
      readonly commonName: string;
      readonly dnsNames: readonly string[];
      readonly ipAddresses: readonly string[];
    }
  | { readonly kind: 'system-tls'; readonly system: SystemId }
  | { readonly kind: 'system-signing'; readonly system: SystemId }
  | { readonly kind: 'officer'; readonly officer: string }
  | { readonly kind: 'kafka-client'; readonly client: string }
  /**
   * A Kafka broker of the production topology (docker-compose.yml): serves the TLS listeners (serverAuth, DNS names
   * the clients dial) and is a TLS client of the other brokers and the KRaft controllers (clientAuth), since every
   * listener requires a client certificate.
   */
  | { readonly kind: 'kafka-broker'; readonly broker: string; readonly dnsNames: readonly string[] };

/** The kinds of end-entity certificate the issuing CA makes. */
export type CertificateKind = CertificateProfile['kind'];

// A record, so that a kind added to CertificateProfile and not here fails to compile.
const KINDS: Readonly<Record<CertificateKind, true>> = {
  server: true,
  'system-tls': true,
  'system-signing': true,
  officer: true,
  'kafka-client': true,
  'kafka-broker': true,
};

/** Every {@link CertificateKind}, as a PKI directory records them (`pki list`, `pki revoke --kind`). */
export const CERTIFICATE_KINDS: readonly CertificateKind[] = Object.freeze(Object.keys(KINDS) as CertificateKind[]);

export function isCertificateKind(value: string): value is CertificateKind {
  return Object.hasOwn(KINDS, value);
}

/** True when `name` is a valid officer or Kafka client name (lower-case, 2-32 letters, digits or '-'). */
export function isPrincipalName(name: string): boolean {
  return NAME_RE.test(name);
}

/** Throws request_invalid unless the profile's names are well formed. */
export function checkProfile(profile: CertificateProfile): void {
  switch (profile.kind) {
    case 'server':
      if (profile.dnsNames.length + profile.ipAddresses.length === 0) {
        throw new KeyMaterialInvalidError('A server certificate needs at least one DNS name or IP address');
      }
      return;
    case 'system-tls':
    case 'system-signing':
      if (!isSystemId(profile.system))
        throw new KeyMaterialInvalidError(`Invalid system id ${JSON.stringify(profile.system)}`);
      return;
    case 'officer':
      if (!NAME_RE.test(profile.officer))
        throw new KeyMaterialInvalidError(`Invalid officer name ${JSON.stringify(profile.officer)}`);
      return;
    case 'kafka-client':
      if (!NAME_RE.test(profile.client))
        throw new KeyMaterialInvalidError(`Invalid Kafka client name ${JSON.stringify(profile.client)}`);
      return;
    case 'kafka-broker':
      if (!NAME_RE.test(profile.broker))
        throw new KeyMaterialInvalidError(`Invalid Kafka broker name ${JSON.stringify(profile.broker)}`);
      if (profile.dnsNames.length === 0 || !profile.dnsNames.every((name) => DNS_NAME_RE.test(name))) {
        throw new KeyMaterialInvalidError(
          `Invalid DNS names for broker ${profile.broker}: ${profile.dnsNames.join(', ')}`,
        );
      }
      return;
  }
}
