import { ERROR_CODES, type ErrorCategory, type ErrorCode } from './error-codes';

export interface KopirErrorOptions {
  /** The underlying failure; kept for logs, never shown to another caller. */
  readonly cause?: unknown;
  /** Which component raised it (gateway, adapter:mju/population, broker, ...). */
  readonly origin?: string;
  /** Overrides the code's default retriability (e.g. a timeout that is known to be permanent). */
  readonly retriable?: boolean;
}

/**
 * The one error base of Köpir (as panva/jose's JOSEError and X-Road's CodedException): a stable string `code`,
 * a category, whether a retry may help, and the HTTP status a transport maps it to. Domain code throws these; only
 * the transport's exception filter turns them into HTTP or RPC answers.
 *
 * `message` is meant for the caller and must never contain secrets or citizen data: put those in `cause`.
 */
export class KopirError extends Error {
  readonly code: ErrorCode;
  readonly category: ErrorCategory;
  readonly retriable: boolean;
  readonly status: number;
  readonly origin: string | undefined;

  constructor(code: ErrorCode, message: string, options: KopirErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const info = ERROR_CODES[code];
    this.name = new.target.name;
    this.code = code;
    this.category = info.category;
    this.status = info.status;
    this.retriable = options.retriable ?? info.retriable;
    this.origin = options.origin;
  }
}

/** True when `error` is a KopirError, also across copies of this module (e.g. two bundles in one process). */
export function isKopirError(error: unknown): error is KopirError {
  return (
    error instanceof KopirError ||
    (error instanceof Error && typeof (error as { code?: unknown }).code === 'string' && 'category' in error)
  );
}

/** Wraps anything thrown into a KopirError, keeping the original as `cause` (so nothing is lost for the logs). */
export function toKopirError(error: unknown, origin?: string): KopirError {
  if (isKopirError(error)) return error;
  return new KopirError('internal_error', 'Internal error', { cause: error, ...(origin ? { origin } : {}) });
}
