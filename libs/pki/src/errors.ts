import { KopirError, type KopirErrorOptions } from '@kopir/contracts';

/**
 * A peer's certificate does not prove an identity: not issued by the intranet CA, outside its validity window,
 * revoked, without the right key usage, or naming no Köpir identity.
 */
export class ClientCertificateInvalidError extends KopirError {
  constructor(message: string, options: KopirErrorOptions = {}) {
    super('client_certificate_invalid', message, options);
  }
}

/** Key or certificate material given to the PKI is unusable (wrong format, wrong type, private where public). */
export class KeyMaterialInvalidError extends KopirError {
  constructor(message: string, options: KopirErrorOptions = {}) {
    super('request_invalid', message, options);
  }
}

/**
 * A revocation target reads as a serial of one certificate and as the name of another (an officer or Kafka client
 * named like hex, e.g. `cafe`): revoking either could be the wrong one, so neither is.
 */
export class RevocationTargetAmbiguousError extends KopirError {
  constructor(message: string, options: KopirErrorOptions = {}) {
    super('request_invalid', message, options);
  }
}
