import type { TLSSocket } from 'node:tls';
import { KopirError } from '@kopir/contracts';
import { OFFICER_URI_PREFIX, type Officer, type OfficerRole, type SystemDefinition } from '@kopir/federation';
import type { TrustStore } from '@kopir/pki';

/** Who is asking the officer API: an officer with roles from the federation, or an allowed citizen portal. */
export type Caller =
  | { readonly kind: 'officer'; readonly id: string; readonly roles: readonly OfficerRole[]; readonly label: string }
  | { readonly kind: 'portal'; readonly system: string; readonly label: string }
  /** Identified by a valid certificate, but not allowed here: kept so that the denial's audit record names it. */
  | { readonly kind: 'refused'; readonly label: string; readonly error: KopirError };

/**
 * Maps the client certificate of a mutual-TLS connection to a caller. TLS has already verified the chain and the
 * CRL; this checks the certificate again against the CRL in force now (TrustStore.identify: chain, validity,
 * revocation, EKU; the store reloads the CRL when it changes) and
 * looks the officer up in the federation document in force, so revoking an officer's role there takes effect on
 * the next request without touching certificates.
 */
export class CallerResolver {
  constructor(
    private readonly trust: Pick<TrustStore, 'identify'>,
    private readonly officers: () => readonly Officer[],
    private readonly citizenPortals: ReadonlySet<string>,
    /**
     * The federation's system whose registered TLS certificate has this SHA-256 fingerprint
     * (FederationIndex.systemByTlsFingerprint of the document in force, read per request). Without it no citizen
     * portal is accepted: a portal is identified by the certificate the federation pins, never by the CA alone.
     */
    private readonly systemByTlsFingerprint?: (sha256: string) => SystemDefinition | undefined,
  ) {}

  resolve(socket: TLSSocket): Caller {
    const identity = this.trust.identify(socket);
    switch (identity.kind) {
      case 'officer': {
        const uri = `${OFFICER_URI_PREFIX}${identity.officer}`;
        const officer = this.officers().find((o) => o.certificateIdentity === uri);
        const label = `officer:${identity.officer}`;
        if (officer === undefined) {
          return refused(label, 'This officer is not in the federation document');
        }
        const pin = officer.certificateSha256 === undefined ? undefined : normalise(officer.certificateSha256);
        if (pin !== undefined && pin !== normalise(identity.fingerprint)) {
          return refused(label, 'This certificate is not the one the federation pins for the officer');
        }
        return { kind: 'officer', id: officer.id, roles: officer.roles, label: `officer:${officer.id}` };
      }
      case 'system': {
        if (!this.citizenPortals.has(identity.system)) {
          return refused(identity.system, 'Systems may not read the audit log');
        }
        // As the gateway's RelayService.caller: the certificate must be the one the federation pins for the system
        // (tlsCertificateSha256), and the system must exist in the federation. Another certificate the CA issued for
        // the portal's name (superseded, or issued by whoever holds the CA key) identifies nobody: the citizen view
        // hands out who accessed any person's data, so a CA mis-issuance must not be enough to read it.
        const system = this.systemByTlsFingerprint?.(normalise(identity.fingerprint));
        if (system?.id !== identity.system) {
          return refused(identity.system, 'This certificate is not the one the federation registers for the system');
        }
        return { kind: 'portal', system: system.id, label: system.id };
      }
      case 'kafka-client':
        return refused(`kafka:${identity.client}`, 'Kafka clients may not read the audit log');
    }
  }
}

/** A SHA-256 fingerprint as the federation writes it: lower-case hex without colons. */
function normalise(fingerprint: string): string {
  return fingerprint.toLowerCase().replace(/:/g, '');
}

function refused(label: string, message: string): Caller {
  return { kind: 'refused', label, error: new KopirError('access_denied', message) };
}
