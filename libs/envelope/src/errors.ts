import { KopirError, type KopirErrorOptions } from '@kopir/contracts';

/**
 * A signature, its header, its algorithm or its key did not check out (or a signed document is malformed). The
 * message names the failed check but never the secret material.
 */
export class SignatureInvalidError extends KopirError {
  constructor(message: string, options: KopirErrorOptions = {}) {
    super('signature_invalid', message, options);
  }
}

/** A signed request or envelope is outside its freshness window (issued too long ago, or in the future). */
export class RequestExpiredError extends KopirError {
  constructor(message: string, options: KopirErrorOptions = {}) {
    super('request_expired', message, options);
  }
}

/** A request id was already seen within the freshness window. */
export class ReplayDetectedError extends KopirError {
  constructor(message: string, options: KopirErrorOptions = {}) {
    super('replay_detected', message, options);
  }
}

/** Input to sign or canonicalize is not acceptable (not I-JSON, a missing field, a bad option). */
export class EnvelopeInvalidError extends KopirError {
  constructor(message: string, options: KopirErrorOptions = {}) {
    super('request_invalid', message, options);
  }
}
