import { createHash, type X509Certificate } from 'node:crypto';
import { KeyMaterialInvalidError } from '../errors';
import { x509 } from '../lib/x509';
import { normalizeSerial } from './certificate-authority';

/** What a set of verified CRLs says: the revoked serials, and when the first of them stops being valid. */
export interface CrlState {
  /** Revoked serials, normalized hex. */
  readonly revoked: Set<string>;
  /** The earliest nextUpdate among the CRLs: after it, TLS stacks refuse every certificate the CRLs cover. */
  readonly nextUpdate: Date | undefined;
  /** Each CRL read, in file order: who issued it and where it stands in its issuer's sequence. */
  readonly crls: readonly CrlInfo[];
}

/** One verified CRL's place in its issuer's sequence, for refusing an older CRL put back (RFC 5280 §5.2.3). */
export interface CrlInfo {
  /** The CRL's issuer name. */
  readonly issuer: string;
  /**
   * SHA-256 (hex) of the public key (SPKI DER) that signed the CRL: its numbering belongs to that CA, so two CAs of
   * the same name (a rotated issuing CA) each have their own.
   */
  readonly issuerKey: string;
  /** The cRLNumber extension (RFC 5280 §5.2.3), undefined when the CRL has none. */
  readonly crlNumber: bigint | undefined;
  readonly thisUpdate: Date;
  /** SHA-256 (hex) of the CRL's DER. */
  readonly digest: string;
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
  const crls: CrlInfo[] = [];
  for (const block of blocks) {
    const crl = new x509.X509Crl(block.replace(/X509 CRL/g, 'CRL'));
    const issuer = await verifiedIssuer(crl, issuers);
    if (crl.nextUpdate && crl.nextUpdate.getTime() < now.getTime()) {
      throw new KeyMaterialInvalidError(`CRL of ${crl.issuer} is stale (nextUpdate ${crl.nextUpdate.toISOString()})`);
    }
    if (crl.nextUpdate && (!nextUpdate || crl.nextUpdate < nextUpdate)) nextUpdate = crl.nextUpdate;
    for (const entry of crl.entries) revoked.add(normalizeSerial(entry.serialNumber));
    crls.push({
      issuer: crl.issuer,
      issuerKey: sha256(issuer.publicKey.rawData),
      crlNumber: crlNumberOf(crl),
      thisUpdate: crl.thisUpdate,
      digest: sha256(crl.rawData),
    });
  }
  return { revoked, nextUpdate, crls };
}

function sha256(data: ArrayBuffer): string {
  return createHash('sha256').update(Buffer.from(data)).digest('hex');
}

/** The cRLNumber (RFC 5280 §5.2.3: a non-negative INTEGER of at most 20 octets), or undefined when absent. */
function crlNumberOf(crl: x509.X509Crl): bigint | undefined {
  const extension = crl.getExtension('2.5.29.20');
  if (!extension) return undefined;
  const der = Buffer.from(extension.value);
  // INTEGER, short-form length (20 octets at most), content: X.690 §8.3.
  const length = der[1] ?? 0;
  if (der[0] !== 0x02 || length < 1 || length > 21 || der.length !== 2 + length || (der[2] ?? 0) & 0x80) {
    throw new KeyMaterialInvalidError(`CRL of ${crl.issuer} has a malformed cRLNumber`);
  }
  return BigInt(`0x${der.subarray(2).toString('hex')}`);
}

/**
 * The CA among `issuers` whose key signed `crl`. Several CAs can share the CRL's issuer name: an issuing CA rotated
 * under the same DN keeps the old one in chain.pem until its last leaf expires (certs/README.md), so the name alone
 * does not pick the key. Every CA of that name is tried, the one whose subjectKeyIdentifier equals the CRL's
 * authorityKeyIdentifier (RFC 5280 §5.2.1, §4.2.1.2) first.
 */
async function verifiedIssuer(crl: x509.X509Crl, issuers: readonly X509Certificate[]): Promise<x509.X509Certificate> {
  const named = issuers.map((c) => new x509.X509Certificate(c.raw)).filter((c) => c.subject === crl.issuer);
  if (named.length === 0) throw new KeyMaterialInvalidError(`CRL of unknown issuer ${crl.issuer}`);
  const aki = crl.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId?.toLowerCase();
  const ski = (c: x509.X509Certificate): string | undefined =>
    c.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId?.toLowerCase();
  const ordered = [...named.filter((c) => aki !== undefined && ski(c) === aki), ...named.filter((c) => ski(c) !== aki)];
  for (const candidate of ordered) {
    if (await crl.verify({ publicKey: candidate })) return candidate;
  }
  throw new KeyMaterialInvalidError(`CRL of ${crl.issuer} has a bad signature`);
}

/**
 * Splits concatenated PEM CRLs (ca/crl.pem) into one string each. Node's TLS `crl` option reads only the first CRL
 * of a string, and with CRLs loaded it checks the whole chain (X509_V_FLAG_CRL_CHECK_ALL), so a missing root CRL
 * fails every handshake: give TLS `crl: splitCrls(readFileSync(paths.crl, 'utf8'))`.
 */
export function splitCrls(pem: string): string[] {
  return (pem.match(/-----BEGIN X509 CRL-----[\s\S]+?-----END X509 CRL-----/g) ?? []).map((block) => `${block}\n`);
}
