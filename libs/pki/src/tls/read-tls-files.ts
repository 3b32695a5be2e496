import { readFileSync } from 'node:fs';
import { KeyMaterialInvalidError } from '../errors';

export interface TlsFiles {
  /** CA certificates (PEM) the peer must chain to. */
  readonly ca: string;
  /** This side's certificate chain (PEM). */
  readonly cert: string;
  /** Its private key (PEM). */
  readonly key: string;
}

export interface TlsMaterial {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/**
 * Reads a client's or server's TLS material from PEM files, checking that each holds what its name says, so that a
 * swapped path fails at start with the file named instead of as an opaque handshake error later.
 */
export function readTlsFiles(files: TlsFiles): TlsMaterial {
  const read = (path: string, label: RegExp, what: string): string => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new KeyMaterialInvalidError(`Cannot read ${what} ${path}`, { cause: error });
    }
    if (!label.test(text)) throw new KeyMaterialInvalidError(`${path} does not hold a PEM ${what}`);
    return text;
  };
  return {
    ca: read(files.ca, /-----BEGIN CERTIFICATE-----/, 'CA certificate'),
    cert: read(files.cert, /-----BEGIN CERTIFICATE-----/, 'certificate'),
    key: read(files.key, /-----BEGIN (?:EC |RSA )?PRIVATE KEY-----/, 'private key'),
  };
}
