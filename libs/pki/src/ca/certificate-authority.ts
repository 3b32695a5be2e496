import type { KeyObject, X509Certificate } from 'node:crypto';

/** A CA that can issue: its certificate, its private key, and the certificates above it up to the root. */
export interface CertificateAuthority {
  readonly certificate: X509Certificate;
  readonly privateKey: KeyObject;
  /** Issuer certificates above `certificate`, nearest first, ending with the root (empty for the root itself). */
  readonly chain: readonly X509Certificate[];
}

/** A certificate as issued: PEM, its serial (lower-case hex), SHA-256 fingerprint and validity end. */
export interface IssuedCertificate {
  readonly pem: string;
  readonly certificate: X509Certificate;
  readonly serial: string;
  readonly fingerprint: string;
  readonly notAfter: Date;
}

/** Lower-case hex without leading zero octets: one spelling of a serial, whatever tool printed it. */
export function normalizeSerial(serial: string): string {
  const hex = serial.replace(/[:\s]/g, '').toLowerCase();
  return hex.replace(/^(00)+(?=[0-9a-f]{2})/, '');
}
