import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { KeyMaterialInvalidError } from '../errors';

/** PEM text (string or bytes), or the path of a PEM file. */
export type PemSource = string | Buffer;

/** PEM text as given, or the contents of the file it names (anything without a PEM header is taken as a path). */
function pemText(source: PemSource): string {
  if (Buffer.isBuffer(source)) return source.toString('utf8');
  if (source.includes('-----BEGIN ')) return source;
  try {
    return readFileSync(source, 'utf8');
  } catch (cause) {
    throw new KeyMaterialInvalidError(`Cannot read key file ${JSON.stringify(source)}`, { cause });
  }
}

/**
 * Loads a private key from PEM (PKCS#8 `PRIVATE KEY`, or the legacy `EC PRIVATE KEY` / `RSA PRIVATE KEY`) or from
 * a PEM file path. Encrypted keys are not used in the dev PKI and are refused.
 *
 * @throws KeyMaterialInvalidError (`request_invalid`) when it holds no usable private key.
 */
export function loadPrivateKey(source: PemSource): KeyObject {
  const pem = pemText(source);
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch (cause) {
    throw new KeyMaterialInvalidError('Not a PEM private key', { cause });
  }
}

/**
 * Loads a public key from PEM (`PUBLIC KEY` SPKI, or a `CERTIFICATE` whose subject key is taken) or a PEM file
 * path. A private key is refused rather than silently reduced: code that wants the public half of a private key
 * calls `createPublicKey(privateKey)` on purpose.
 *
 * @throws KeyMaterialInvalidError (`request_invalid`) when it holds no public key or certificate.
 */
export function loadPublicKey(source: PemSource): KeyObject {
  const pem = pemText(source);
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new KeyMaterialInvalidError('Expected a public key or certificate, got a private key');
  }
  try {
    if (pem.includes('-----BEGIN CERTIFICATE-----')) return new X509Certificate(pem).publicKey;
    return createPublicKey({ key: pem, format: 'pem' });
  } catch (cause) {
    throw new KeyMaterialInvalidError('Not a PEM public key or certificate', { cause });
  }
}

/** The PKCS#8 PEM of a private key (what `pki init` writes, mode 0600). */
export function privateKeyToPem(key: KeyObject): string {
  if (key.type !== 'private') throw new KeyMaterialInvalidError(`Expected a private key, got a ${key.type} key`);
  return key.export({ format: 'pem', type: 'pkcs8' }).toString();
}

/** The SPKI PEM of a public key (or of the public half of a private key). */
export function publicKeyToPem(key: KeyObject): string {
  if (key.type === 'secret') throw new KeyMaterialInvalidError('A secret key has no public half');
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return publicKey.export({ format: 'pem', type: 'spki' }).toString();
}
