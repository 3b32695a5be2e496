import { X509Certificate, type KeyObject } from 'node:crypto';
import { systemUri } from '@kopir/contracts';
import { KeyMaterialInvalidError } from '../errors';
import { certificateFingerprint } from '../keys/fingerprint';
import { randomSerial, signatureAlgorithm, spki, subjectNameOf, toWebCryptoSigningKey, x509 } from '../lib/x509';
import { normalizeSerial, type CertificateAuthority, type IssuedCertificate } from './certificate-authority';
import { KAFKA_CLIENT_URI_PREFIX, OFFICER_URI_PREFIX, checkProfile, type CertificateProfile } from './profiles';
import { validity, type ValidityOptions } from './validity';

/** Options of {@link issueCertificate}. */
export interface IssueOptions extends ValidityOptions {
  /** Organization in the subject DN (default `Kopir Intranet`). */
  readonly organization?: string;
  /** A serial chosen by the caller (hex); by default 128 random bits. */
  readonly serial?: string;
}

/**
 * RFC 9336 id-kp-documentSigning: marks a system's signing certificate, and (because an EKU extension without
 * clientAuth/serverAuth fails OpenSSL's TLS purpose checks) keeps that key out of TLS, as X-Road separates
 * authentication and signing keys.
 */
export const DOCUMENT_SIGNING_EKU = '1.3.6.1.5.5.7.3.36';

/**
 * Issues an end-entity certificate for `publicKey` under `issuer` (the issuing CA). The profile decides:
 *
 * | kind           | keyUsage                                | extKeyUsage       | subjectAltName                          |
 * | -------------- | --------------------------------------- | ----------------- | --------------------------------------- |
 * | server         | digitalSignature (+keyEncipherment RSA) | serverAuth        | DNS names, IP addresses                 |
 * | system-tls     | digitalSignature (+keyEncipherment RSA) | clientAuth        | URI urn:kopir:system:<agency>/<system>  |
 * | system-signing | digitalSignature, nonRepudiation        | documentSigning   | URI urn:kopir:system:<agency>/<system>  |
 * | officer        | digitalSignature (+keyEncipherment RSA) | clientAuth        | URI urn:kopir:officer:<name>            |
 * | kafka-client   | digitalSignature (+keyEncipherment RSA) | clientAuth        | URI urn:kopir:kafka:<name>              |
 * | kafka-broker   | digitalSignature (+keyEncipherment RSA) | serverAuth, clientAuth | DNS names (the broker's host names) |
 *
 * Valid one year by default. basicConstraints cA=false is marked critical (RFC 5280 §4.2.1.9).
 */
export async function issueCertificate(
  issuer: CertificateAuthority,
  publicKey: KeyObject,
  profile: CertificateProfile,
  options: IssueOptions = {},
): Promise<IssuedCertificate> {
  checkProfile(profile);
  if (!issuer.certificate.ca) throw new KeyMaterialInvalidError('The issuer is not a CA');
  const subjectKey = spki(publicKey);
  const { notBefore, notAfter } = validity(options, 365);
  const rsa = publicKey.asymmetricKeyType === 'rsa';
  const tlsUsage = x509.KeyUsageFlags.digitalSignature | (rsa ? x509.KeyUsageFlags.keyEncipherment : 0);
  const organization = options.organization ?? 'Kopir Intranet';
  let subject: string;
  let keyUsage: number;
  let eku: string[];
  let names: x509.JsonGeneralName[];
  switch (profile.kind) {
    case 'server':
      subject = `CN=${profile.commonName}, O=${organization}`;
      keyUsage = tlsUsage;
      eku = [x509.ExtendedKeyUsage.serverAuth];
      names = [
        ...profile.dnsNames.map((value) => ({ type: 'dns' as const, value })),
        ...profile.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
      ];
      break;
    case 'system-tls':
    case 'system-signing': {
      const [agency] = profile.system.split('/');
      subject = `CN=${profile.system}${profile.kind === 'system-signing' ? ' signing' : ''}, OU=${agency}, O=${organization}`;
      keyUsage =
        profile.kind === 'system-tls'
          ? tlsUsage
          : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation;
      eku = [profile.kind === 'system-tls' ? x509.ExtendedKeyUsage.clientAuth : DOCUMENT_SIGNING_EKU];
      names = [{ type: 'url', value: systemUri(profile.system) }];
      break;
    }
    case 'officer':
      subject = `CN=${profile.officer}, OU=officers, O=${organization}`;
      keyUsage = tlsUsage;
      eku = [x509.ExtendedKeyUsage.clientAuth];
      names = [{ type: 'url', value: `${OFFICER_URI_PREFIX}${profile.officer}` }];
      break;
    case 'kafka-client':
      subject = `CN=${profile.client}, OU=kafka, O=${organization}`;
      keyUsage = tlsUsage;
      eku = [x509.ExtendedKeyUsage.clientAuth];
      names = [{ type: 'url', value: `${KAFKA_CLIENT_URI_PREFIX}${profile.client}` }];
      break;
    case 'kafka-broker':
      subject = `CN=${profile.broker}, OU=kafka-brokers, O=${organization}`;
      keyUsage = tlsUsage;
      // Brokers replicate from each other and talk to the KRaft quorum over listeners with ssl.client.auth=required,
      // so the same certificate is presented as server and as client; Java's PKIX checks the EKU for both roles.
      eku = [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth];
      names = profile.dnsNames.map((value) => ({ type: 'dns' as const, value }));
      break;
  }
  const generated = await x509.X509CertificateGenerator.create({
    serialNumber: options.serial === undefined ? randomSerial() : normalizeSerial(options.serial),
    subject,
    issuer: subjectNameOf(issuer.certificate),
    notBefore,
    notAfter,
    publicKey: subjectKey,
    signingKey: await toWebCryptoSigningKey(issuer.privateKey),
    signingAlgorithm: signatureAlgorithm(issuer.privateKey),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(keyUsage, true),
      new x509.ExtendedKeyUsageExtension(eku, false),
      new x509.SubjectAlternativeNameExtension(names, false),
      await x509.SubjectKeyIdentifierExtension.create(subjectKey),
      await x509.AuthorityKeyIdentifierExtension.create(spki(issuer.certificate.publicKey)),
    ],
  });
  const pem = generated.toString('pem');
  const certificate = new X509Certificate(pem);
  return {
    pem: pem.endsWith('\n') ? pem : `${pem}\n`,
    certificate,
    serial: normalizeSerial(certificate.serialNumber),
    fingerprint: certificateFingerprint(certificate),
    notAfter: new Date(certificate.validTo),
  };
}
