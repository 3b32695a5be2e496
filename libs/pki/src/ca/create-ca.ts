import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import { generateKeyPair, type KeyType } from '../keys/generate-key-pair';
import { KeyMaterialInvalidError } from '../errors';
import { randomSerial, signatureAlgorithm, spki, subjectNameOf, toWebCryptoSigningKey, x509 } from '../lib/x509';
import type { CertificateAuthority } from './certificate-authority';
import { validity, type ValidityOptions } from './validity';

/** Options of {@link createRootCa} and {@link createIssuingCa}. */
export interface CaOptions extends ValidityOptions {
  /** Subject DN, e.g. `CN=Köpir Root CA, O=Köpir Intranet, C=KZ`. */
  readonly subject: string;
  /** Key type of the new CA (default P-256). */
  readonly keyType?: KeyType;
  /** An existing key to certify (rotation keeps the key), else a new one is generated. */
  readonly privateKey?: KeyObject;
}

const CA_KEY_USAGE = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign;

/**
 * Creates the self-signed root CA of the intranet PKI: basicConstraints CA with pathLenConstraint 1 (one issuing CA
 * below it, RFC 5280 §4.2.1.9), keyUsage keyCertSign + cRLSign, valid 10 years by default. Its key stays offline in
 * production; the dev PKI keeps it in certs/dev/ca/.
 */
export async function createRootCa(options: CaOptions): Promise<CertificateAuthority> {
  const privateKey = options.privateKey ?? generateKeyPair(options.keyType ?? 'P-256').privateKey;
  const publicKey = spki(privateKey);
  const { notBefore, notAfter } = validity(options, 3650);
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: options.subject,
    issuer: options.subject,
    notBefore,
    notAfter,
    publicKey,
    signingKey: await toWebCryptoSigningKey(privateKey),
    signingAlgorithm: signatureAlgorithm(privateKey),
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(CA_KEY_USAGE, true),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
    ],
  });
  return { certificate: new X509Certificate(certificate.toString('pem')), privateKey, chain: [] };
}

/**
 * Creates the issuing CA, signed by `root`: basicConstraints CA with pathLenConstraint 0 (it issues only end
 * entities), keyUsage keyCertSign + cRLSign, valid 5 years by default. It signs every end-entity certificate and
 * the CRL that the gateway loads.
 */
export async function createIssuingCa(root: CertificateAuthority, options: CaOptions): Promise<CertificateAuthority> {
  if (!root.certificate.ca) throw new KeyMaterialInvalidError('The issuer is not a CA');
  const privateKey = options.privateKey ?? generateKeyPair(options.keyType ?? 'P-256').privateKey;
  const publicKey = spki(createPublicKey(privateKey));
  const { notBefore, notAfter } = validity(options, 1825);
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: options.subject,
    issuer: subjectNameOf(root.certificate),
    notBefore,
    notAfter,
    publicKey,
    signingKey: await toWebCryptoSigningKey(root.privateKey),
    signingAlgorithm: signatureAlgorithm(root.privateKey),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(CA_KEY_USAGE, true),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(spki(root.certificate.publicKey)),
    ],
  });
  return {
    certificate: new X509Certificate(certificate.toString('pem')),
    privateKey,
    chain: [root.certificate, ...root.chain],
  };
}
