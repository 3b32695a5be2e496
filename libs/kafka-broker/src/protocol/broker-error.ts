/**
 * A failure inside the broker that is not a Kafka error code for the client but a reason to drop the connection or
 * refuse to start: malformed frames, a corrupt log that cannot be recovered, a bad option. Typed with a stable
 * `code` (as KopirError and kafkajs's KafkaJSError) so callers and logs can switch on it.
 */
export type BrokerErrorCode =
  'malformed_frame' | 'frame_too_large' | 'unknown_api' | 'unsupported_version' | 'storage_failure' | 'invalid_option';

export class BrokerError extends Error {
  readonly code: BrokerErrorCode;
  readonly retriable: boolean;

  constructor(code: BrokerErrorCode, message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BrokerError';
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}
