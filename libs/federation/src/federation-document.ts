import type { PublicJwk } from '@kopir/pki';

/**
 * The federation document (DESIGN.md "Parts": libs/federation): who is in the federation, which services exist,
 * and who may call them for which purpose. Humans edit it as YAML; services load only its signed canonical form
 * (a JWS by the federation authority, see sign-federation.ts). Times are RFC 3339 date-times with an offset.
 *
 * The access rules, groups, services and systems are structurally what @kopir/access-policy compiles.
 */
export interface FederationDocument {
  /** The federation's name, e.g. `kopir-dev`; a document of another federation is refused. */
  readonly federation: string;
  /** Increases with every change; a service never goes back to a lower version (rollback protection). */
  readonly version: number;
  readonly issuedAt: string;
  /** After this instant no service uses the document: the authority must re-sign it before then. */
  readonly expiresAt: string;
  readonly agencies: readonly Agency[];
  readonly purposes: readonly Purpose[];
  readonly groups: readonly SystemGroup[];
  readonly services: readonly ServiceDefinition[];
  readonly rules: readonly AccessRule[];
  readonly officers: readonly Officer[];
  /**
   * The gateways of the federation and the keys they sign envelopes with (X-Road's global configuration lists its
   * security servers the same way). Adapters accept an envelope only under one of these keys.
   */
  readonly gateways?: readonly GatewayDefinition[];
}

export interface GatewayDefinition {
  /** A short id, e.g. `gateway`; the same grammar as an agency code. */
  readonly id: string;
  readonly name: string;
  /** Public keys by `kid` (the RFC 7638 thumbprint); several during a rotation, as for systems. */
  readonly signingKeys: readonly PublicJwk[];
}

export interface Agency {
  /** `mju` (DESIGN.md "Identities": `[a-z][a-z0-9-]{1,31}`). */
  readonly code: string;
  readonly name: string;
  readonly systems: readonly SystemDefinition[];
}

export interface SystemDefinition {
  /** `<agency>/<system>`, e.g. `psc/front-office`; the agency part is the enclosing agency's code. */
  readonly id: string;
  readonly name: string;
  /** SHA-256 of the system's TLS client certificate (DER), 64 lower-case hex digits; absent until issued. */
  readonly tlsCertificateSha256?: string;
  /**
   * The public keys the system signs requests (consumer) or answers (provider) with, resolved by `kid` (the RFC 7638
   * thumbprint). Several during a rotation: the new key is added before it is used, the old one kept until what it
   * signed no longer needs checking. Empty until issued.
   */
  readonly signingKeys?: readonly PublicJwk[];
  /**
   * The P-256 (or P-384) public key the gateway encrypts request bodies to (ECDH-ES + A256GCM), `kid` its RFC 7638
   * thumbprint; never one of its signing keys (one key, one purpose). One key: a rotation replaces it while the
   * system still holds the previous private key for what is in flight (docs/operators.md).
   */
  readonly encryptionKey?: PublicJwk;
  /** Every service of this system (as a provider) requires encrypted bodies; see ServiceDefinition.encryptBodies. */
  readonly encryptBodies?: boolean;
}

/** A legal purpose a request may declare (`Kopir-Purpose`). */
export interface Purpose {
  readonly code: string;
  readonly description: string;
}

export interface SystemGroup {
  readonly id: string;
  readonly description?: string;
  readonly members: readonly string[];
}

/** How sensitive a returned field is (for officers and the audit views); special categories are `sensitive`. */
export const SENSITIVITY_CLASSES = ['public', 'internal', 'personal', 'sensitive'] as const;
export type Sensitivity = (typeof SENSITIVITY_CLASSES)[number];

export interface ServiceField {
  readonly name: string;
  readonly sensitivity: Sensitivity;
  readonly description?: string;
}

export interface ServiceDefinition {
  /** `<agency>/<system>/<service>`, e.g. `mju/population/person-by-iin`. */
  readonly id: string;
  /** Semantic version of the service's contract. */
  readonly version: string;
  readonly description: string;
  /** The Kafka topic its provider consumes: `requestTopic(agency)` from @kopir/contracts. */
  readonly topic: string;
  /** JSON Schema (draft-07) of the request body. */
  readonly request: Record<string, unknown>;
  /** JSON Schema (draft-07) of the full answer, before the field mask. */
  readonly response: Record<string, unknown>;
  readonly fields: readonly ServiceField[];
  /**
   * The request body and the answer cross Kafka only encrypted (the gateway encrypts the body to the provider's
   * encryptionKey, the provider its signed answer under a key derived from that request's key agreement). Default
   * false; true when the provider system says so for all its services.
   */
  readonly encryptBodies?: boolean;
  /**
   * How long the gateway waits for the provider's answer before it answers 504 provider_timeout, in seconds (at most
   * 300). Default: the gateway's GATEWAY_PROVIDER_TIMEOUT (10 s). The envelope the provider receives expires with it.
   */
  readonly timeoutSeconds?: number;
  /**
   * The top-level member of the request body that names whom the data is about (e.g. `iin`). When set, the gateway
   * and the provider refuse (`request_invalid`) a request whose Kopir-Subject is not exactly that member's value, so
   * the subject the audit log records is the person the registry was asked about. Unset: the subject is the caller's
   * declaration only (services whose body names no person, such as a vehicle by plate).
   */
  readonly subjectField?: string;
}

export interface RulePurpose {
  readonly code: string;
  /** The legal act and article that permits this processing, e.g. `Law "On Road Traffic", art. 70`. */
  readonly legalBasis: string;
}

export interface AccessRule {
  readonly id: string;
  /** A client system; exactly one of `client` and `clientGroup`. */
  readonly client?: string;
  readonly clientGroup?: string;
  readonly service: string;
  readonly purposes: readonly RulePurpose[];
  readonly fields: readonly string[];
  readonly rateLimit?: { readonly perSecond: number; readonly burst?: number };
  readonly dailyQuota?: number;
  readonly validFrom?: string;
  readonly validUntil?: string;
  /** The officer id of the security officer who granted it. */
  readonly grantedBy: string;
  readonly grantedAt: string;
  readonly revokedAt?: string;
  readonly revokedBy?: string;
  readonly revocationReason?: string;
}

export const OFFICER_ROLES = ['security-officer', 'auditor'] as const;
export type OfficerRole = (typeof OFFICER_ROLES)[number];

export interface Officer {
  /** Short id used in `grantedBy` / `revokedBy`, the name in the officer certificate, e.g. `officer`. */
  readonly id: string;
  readonly name: string;
  readonly agency: string;
  /** The identity in the officer's client certificate: its SAN URI, `urn:kopir:officer:<id>`. */
  readonly certificateIdentity: string;
  /** Optionally pins the certificate itself (SHA-256 of its DER, hex). */
  readonly certificateSha256?: string;
  readonly roles: readonly OfficerRole[];
}

/** The media type of a signed federation document (RFC 7515 §4.1.9 `typ`). */
export const FEDERATION_JWS_TYPE = 'kopir-federation+jws';

/** The SAN URI prefix of an officer's client certificate. */
export const OFFICER_URI_PREFIX = 'urn:kopir:officer:';
