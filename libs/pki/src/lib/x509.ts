// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect metadata API loaded
// first, and it signs through a WebCrypto provider that must be set once per process.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPublicKey, randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import { KeyMaterialInvalidError } from '../errors';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };

/** The WebCrypto CryptoKey type of Node (the global one is not in this project's `lib`). */
export type WebCryptoKey = webcrypto.CryptoKey;

type SigningParams = webcrypto.EcdsaParams | webcrypto.RsaHashedImportParams | { name: 'Ed25519' };
type ImportParams = webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams | { name: 'Ed25519' };

/** The WebCrypto import and signature parameters of a CA key (RFC 5758 §3.2, RFC 4055, RFC 8410 §3). */
function caKeyParams(key: KeyObject): { importParams: ImportParams; signing: SigningParams } {
  const type = key.asymmetricKeyType;
  if (type === 'ec') {
    const p384 = key.asymmetricKeyDetails?.namedCurve === 'secp384r1';
    return {
      importParams: { name: 'ECDSA', namedCurve: p384 ? 'P-384' : 'P-256' },
      signing: { name: 'ECDSA', hash: p384 ? 'SHA-384' : 'SHA-256' },
    };
  }
  if (type === 'rsa') {
    const params = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    return { importParams: params, signing: params };
  }
  if (type === 'ed25519') return { importParams: { name: 'Ed25519' }, signing: { name: 'Ed25519' } };
  throw new KeyMaterialInvalidError(`A ${String(type)} key cannot sign certificates`);
}

/** WebCrypto signature algorithm a CA key signs certificates and CRLs with. */
export function signatureAlgorithm(key: KeyObject): SigningParams {
  return caKeyParams(key).signing;
}

/** Imports a node:crypto private key as a non-extractable WebCrypto signing key for @peculiar/x509. */
export async function toWebCryptoSigningKey(key: KeyObject): Promise<WebCryptoKey> {
  if (key.type !== 'private') throw new KeyMaterialInvalidError('Signing needs a private key');
  const { importParams } = caKeyParams(key);
  return webcrypto.subtle.importKey('pkcs8', key.export({ format: 'der', type: 'pkcs8' }), importParams, false, [
    'sign',
  ]);
}

/** The DER SubjectPublicKeyInfo of a key (the public half of a private key). */
export function spki(key: KeyObject): Buffer {
  if (key.type === 'secret') throw new KeyMaterialInvalidError('A secret key has no public half');
  return (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'der', type: 'spki' });
}

/**
 * A fresh certificate serial number in hex: 16 random bytes with the top bit cleared, so it is positive and at most
 * 20 octets as RFC 5280 §4.1.2.2 requires, and unpredictable as the CA/Browser Forum asks (≥64 bits of entropy).
 */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes.toString('hex');
}

/** The subject Name of a certificate exactly as encoded, to be the issuer Name of what it signs (RFC 5280 §4.1.2.4). */
export function subjectNameOf(certificate: { readonly raw: Buffer }): x509.Name {
  return new x509.X509Certificate(certificate.raw).subjectName;
}

/** RFC 7468 PEM of DER bytes under `label` (`CERTIFICATE`, `X509 CRL`), 64 characters a line. */
export function toPem(der: ArrayBuffer | Uint8Array, label: string): string {
  const base64 = Buffer.from(der instanceof Uint8Array ? der : new Uint8Array(der)).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
