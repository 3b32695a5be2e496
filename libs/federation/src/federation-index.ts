import type { KeyObject } from 'node:crypto';
import { jwkToPublicKey, type PublicJwk } from '@kopir/pki';
import type { FederationDocument, Officer, ServiceDefinition, SystemDefinition } from './federation-document';
import { OFFICER_URI_PREFIX } from './federation-document';

/** A public key to encrypt to, with the kid (RFC 7638 thumbprint) the JWE header names it by. */
export interface RecipientKey {
  readonly kid: string;
  readonly key: KeyObject;
}

function recipient(jwk: PublicJwk): RecipientKey {
  return { kid: jwk.kid, key: jwkToPublicKey(jwk) };
}

/**
 * Lookups a service needs per request, built once per document: a system by id or by its TLS certificate
 * fingerprint, a system's signing key by `kid`, a service by id, an officer by certificate identity. Build a new
 * index in the loader's onChange, beside the access policy.
 */
export class FederationIndex {
  private readonly systems = new Map<string, SystemDefinition>();
  private readonly byFingerprint = new Map<string, SystemDefinition>();
  private readonly keys = new Map<string, Map<string, KeyObject>>();
  private readonly services = new Map<string, ServiceDefinition>();
  private readonly officers = new Map<string, Officer>();
  private readonly gatewayKeys = new Map<string, KeyObject>();
  private readonly encryptionKeys = new Map<string, RecipientKey>();
  private readonly encrypted = new Set<string>();

  constructor(readonly document: FederationDocument) {
    for (const agency of document.agencies) {
      for (const system of agency.systems) {
        this.systems.set(system.id, system);
        if (system.tlsCertificateSha256 !== undefined) this.byFingerprint.set(system.tlsCertificateSha256, system);
        // Validation has checked that every JWK parses and that its kid is its RFC 7638 thumbprint.
        this.keys.set(system.id, new Map((system.signingKeys ?? []).map((jwk) => [jwk.kid, jwkToPublicKey(jwk)])));
        if (system.encryptionKey !== undefined) this.encryptionKeys.set(system.id, recipient(system.encryptionKey));
      }
    }
    for (const service of document.services) {
      this.services.set(service.id, service);
      const provider = this.systems.get(service.id.split('/').slice(0, 2).join('/'));
      if (service.encryptBodies === true || provider?.encryptBodies === true) this.encrypted.add(service.id);
    }
    for (const officer of document.officers) this.officers.set(officer.certificateIdentity, officer);
    for (const gateway of document.gateways ?? []) {
      for (const jwk of gateway.signingKeys) this.gatewayKeys.set(jwk.kid, jwkToPublicKey(jwk));
    }
  }

  /** Whether the service's bodies (request and answer) cross Kafka only encrypted: its own or its provider's flag. */
  encryptsBodies(serviceId: string): boolean {
    return this.encrypted.has(serviceId);
  }

  /** The public key the gateway encrypts a system's request bodies to, or undefined when it publishes none. */
  encryptionKey(systemId: string): RecipientKey | undefined {
    return this.encryptionKeys.get(systemId);
  }

  /** The public key `kid` of one of the federation's gateways: the only keys an adapter accepts envelopes under. */
  gatewayKey(kid: string): KeyObject | undefined {
    return this.gatewayKeys.get(kid);
  }

  system(id: string): SystemDefinition | undefined {
    return this.systems.get(id);
  }

  /** The system whose registered TLS certificate has this SHA-256 fingerprint (lower-case hex of the DER). */
  systemByTlsFingerprint(sha256: string): SystemDefinition | undefined {
    return this.byFingerprint.get(sha256.toLowerCase());
  }

  /**
   * The public key `kid` of a system's signing keys, or undefined: a signature by a key the federation does not
   * list for that system never verifies, even if another system lists it.
   */
  signingKey(systemId: string, kid: string): KeyObject | undefined {
    return this.keys.get(systemId)?.get(kid);
  }

  service(id: string): ServiceDefinition | undefined {
    return this.services.get(id);
  }

  /**
   * The officer with this certificate identity (`urn:kopir:officer:<id>`); when the document pins the certificate,
   * only that certificate (by SHA-256 fingerprint) counts.
   */
  officer(identity: string, certificateSha256?: string): Officer | undefined {
    if (!identity.startsWith(OFFICER_URI_PREFIX)) return undefined;
    const officer = this.officers.get(identity);
    if (officer?.certificateSha256 !== undefined && officer.certificateSha256 !== certificateSha256?.toLowerCase()) {
      return undefined;
    }
    return officer;
  }
}
