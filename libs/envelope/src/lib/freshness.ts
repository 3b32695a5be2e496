import { RequestExpiredError } from '../errors';

/** Freshness window and clock-skew tolerance, in seconds. */
export interface FreshnessOptions {
  /** The time to check against (default: now). */
  readonly now?: Date;
  /** How old a signed request may be (default 300 s). */
  readonly maxAgeSeconds?: number;
  /** How far the signer's clock may be ahead or behind (default 30 s). */
  readonly clockSkewSeconds?: number;
}

export const DEFAULT_MAX_AGE_SECONDS = 300;
export const DEFAULT_CLOCK_SKEW_SECONDS = 30;

/** Throws request_expired unless `iat` (seconds) is within [now - maxAge - skew, now + skew] and before `exp`. */
export function checkFreshness(iat: unknown, options: FreshnessOptions, exp?: unknown): Date {
  if (typeof iat !== 'number' || !Number.isSafeInteger(iat) || iat < 0) {
    throw new RequestExpiredError('The issued-at time is missing or malformed');
  }
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const skew = options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  const maxAge = options.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
  if (iat > now + skew) throw new RequestExpiredError('The request is issued in the future (check the clock)');
  if (iat < now - maxAge - skew) throw new RequestExpiredError(`The request is older than ${maxAge} s`);
  if (exp !== undefined) {
    if (typeof exp !== 'number' || !Number.isSafeInteger(exp)) throw new RequestExpiredError('Malformed expiry');
    if (now - skew >= exp) throw new RequestExpiredError('The envelope has expired');
  }
  return new Date(iat * 1000);
}
