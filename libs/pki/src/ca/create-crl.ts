import { signatureAlgorithm, spki, subjectNameOf, toPem, toWebCryptoSigningKey, x509 } from '../lib/x509';
import { normalizeSerial, type CertificateAuthority } from './certificate-authority';

/** Why a certificate was revoked (RFC 5280 §5.3.1 CRLReason; `unspecified` is deliberately not offered). */
export type RevocationReason = 'keyCompromise' | 'affiliationChanged' | 'superseded' | 'cessationOfOperation';

/** One revoked certificate in a CRL. */
export interface RevokedEntry {
  readonly serial: string;
  readonly revokedAt: Date;
  /** Default `cessationOfOperation`. */
  readonly reason?: RevocationReason;
}

/** Options of {@link createCrl}. */
export interface CrlOptions {
  /** Monotonic CRL number (RFC 5280 §5.2.3); each new CRL of the same CA gets a larger one. */
  readonly crlNumber: number;
  readonly thisUpdate?: Date;
  /** Default: 7 days after thisUpdate. The gateway must reload a new CRL before then. */
  readonly nextUpdate?: Date;
}

const DAY_MS = 86_400_000;

/** DER of a non-negative INTEGER (X.690 §8.3): big-endian, minimal, with a leading 0 when the top bit is set. */
function derInteger(value: number): Uint8Array {
  let hex = Math.floor(value).toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

/**
 * Creates the X.509 v2 CRL (RFC 5280 §5) of `issuer` listing `revoked`, signed by the issuer's key, with the
 * cRLNumber and authorityKeyIdentifier extensions (§5.2.3, §5.2.1) that verifiers such as OpenSSL expect. Node's TLS
 * takes it as the `crl` option and refuses revoked peers during the handshake.
 */
export async function createCrl(
  issuer: CertificateAuthority,
  revoked: readonly RevokedEntry[],
  options: CrlOptions,
): Promise<string> {
  const thisUpdate = options.thisUpdate ?? new Date();
  const nextUpdate = options.nextUpdate ?? new Date(thisUpdate.getTime() + 7 * DAY_MS);
  const crl = await x509.X509CrlGenerator.create({
    issuer: subjectNameOf(issuer.certificate),
    thisUpdate,
    nextUpdate,
    signingKey: await toWebCryptoSigningKey(issuer.privateKey),
    signingAlgorithm: signatureAlgorithm(issuer.privateKey),
    // Every entry carries a reasonCode: without any entry extension @peculiar/x509 2.2 writes an empty
    // crlEntryExtensions SEQUENCE, which RFC 5280 §5.1 forbids (SIZE (1..MAX)) and OpenSSL refuses to parse.
    entries: revoked.map((entry) => ({
      serialNumber: normalizeSerial(entry.serial),
      revocationDate: entry.revokedAt,
      reason: x509.X509CrlReason[entry.reason ?? 'cessationOfOperation'],
    })),
    extensions: [
      new x509.Extension('2.5.29.20', false, derInteger(options.crlNumber)),
      await x509.AuthorityKeyIdentifierExtension.create(spki(issuer.certificate.publicKey)),
    ],
  });
  // RFC 7468 §5 labels a CRL "X509 CRL"; @peculiar/x509 writes "CRL", which OpenSSL and Node do not read.
  return toPem(crl.rawData, 'X509 CRL');
}
