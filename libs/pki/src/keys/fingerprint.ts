import { createHash, X509Certificate } from 'node:crypto';
import { KeyMaterialInvalidError } from '../errors';

/**
 * The SHA-256 fingerprint of a certificate's DER encoding, lower-case hex without separators (what
 * `openssl x509 -fingerprint -sha256` prints, minus the colons and in lower case). Accepts PEM, DER or an
 * X509Certificate.
 */
export function certificateFingerprint(certificate: string | Buffer | X509Certificate): string {
  let parsed: X509Certificate;
  try {
    parsed = certificate instanceof X509Certificate ? certificate : new X509Certificate(certificate);
  } catch (cause) {
    throw new KeyMaterialInvalidError('Not an X.509 certificate', { cause });
  }
  return createHash('sha256').update(parsed.raw).digest('hex');
}
