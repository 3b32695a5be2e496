import type { X509Certificate } from 'node:crypto';
import { KeyMaterialInvalidError } from '../errors';
import { x509 } from '../lib/x509';
import { normalizeSerial } from './certificate-authority';

/** What a set of verified CRLs says: the revoked serials, and when the first of them stops being valid. */
export interface CrlState {
  /** Revoked serials, normalized hex. */
  readonly revoked: Set<string>;
  /** The earliest nextUpdate among the CRLs: after it, TLS stacks refuse every certificate the CRLs cover. */
  readonly nextUpdate: Date | undefined;
}

/**
 * The revoked serials (normalized hex) of the PEM CRLs in `pem` (one or several concatenated, as ca/crl.pem), each
 * checked against its issuer among `issuers` (signature, RFC 5280 §6.3.3) and its nextUpdate. For callers that check
 * identities outside a TLS handshake; the TLS stack reads the same file as its `crl` option.
 *
 * @throws KeyMaterialInvalidError (`request_invalid`) for a CRL that is malformed, unsigned by a known issuer, or stale.
 */
export async function revokedSerialsFromCrl(
  pem: string,
  issuers: readonly X509Certificate[],
  now = new Date(),
): Promise<Set<string>> {
  return (await readCrls(pem, issuers, now)).revoked;
}

/** {@link revokedSerialsFromCrl}, with the earliest nextUpdate (for readiness checks and expiry alerts). */
export async function readCrls(pem: string, issuers: readonly X509Certificate[], now = new Date()): Promise<CrlState> {
  const blocks = pem.match(/-----BEGIN X509 CRL-----[\s\S]+?-----END X509 CRL-----/g) ?? [];
  if (blocks.length === 0) throw new KeyMaterialInvalidError('No CRL in the given PEM');
  const revoked = new Set<string>();
  let nextUpdate: Date | undefined;
  for (const block of blocks) {
    const crl = new x509.X509Crl(block.replace(/X509 CRL/g, 'CRL'));
    const issuer = issuers.find((c) => new x509.X509Certificate(c.raw).subject === crl.issuer);
    if (!issuer) throw new KeyMaterialInvalidError(`CRL of unknown issuer ${crl.issuer}`);
    if (!(await crl.verify({ publicKey: new x509.X509Certificate(issuer.raw) }))) {
      throw new KeyMaterialInvalidError(`CRL of ${crl.issuer} has a bad signature`);
    }
    if (crl.nextUpdate && crl.nextUpdate.getTime() < now.getTime()) {
      throw new KeyMaterialInvalidError(`CRL of ${crl.issuer} is stale (nextUpdate ${crl.nextUpdate.toISOString()})`);
    }
    if (crl.nextUpdate && (!nextUpdate || crl.nextUpdate < nextUpdate)) nextUpdate = crl.nextUpdate;
    for (const entry of crl.entries) revoked.add(normalizeSerial(entry.serialNumber));
  }
  return { revoked, nextUpdate };
}

/**
 * Splits concatenated PEM CRLs (ca/crl.pem) into one string each. Node's TLS `crl` option reads only the first CRL
 * of a string, and with CRLs loaded it checks the whole chain (X509_V_FLAG_CRL_CHECK_ALL), so a missing root CRL
 * fails every handshake: give TLS `crl: splitCrls(readFileSync(paths.crl, 'utf8'))`.
 */
export function splitCrls(pem: string): string[] {
  return (pem.match(/-----BEGIN X509 CRL-----[\s\S]+?-----END X509 CRL-----/g) ?? []).map((block) => `${block}\n`);
}
