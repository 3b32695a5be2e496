/** How many refused calls of one caller are recorded one by one: `burst` at once, refilled at `perSecond`. */
export interface RefusalLimits {
  readonly perSecond: number;
  readonly burst: number;
  /** Callers tracked at once; beyond it, the new ones share one bucket (so memory stays bounded whoever calls). */
  readonly maxCallers: number;
}

export const DEFAULT_REFUSAL_LIMITS: RefusalLimits = { perSecond: 5, burst: 20, maxCallers: 10_000 };

/** Refused calls of one caller that were answered 429 and not recorded one by one. */
export interface SuppressedRefusals {
  readonly caller: string;
  readonly count: number;
  /** First and last such call (ISO 8601). */
  readonly first: string;
  readonly last: string;
}

interface Bucket {
  tokens: number;
  at: number;
}

const OVERFLOW = '(other callers)';

/**
 * Every officer-API call is appended to the ledger, with an fsync, before its answer leaves. For refused callers, that
 * is a lever: any system or Kafka client holding a certificate of the intranet CA completes the TLS handshake, and
 * each refused call it makes would cost the audit service a durable write and the ledger an event, without end. So a
 * caller's refusals are recorded one by one up to a token bucket; beyond it they are answered 429 rate_limited with
 * Retry-After, and counted, and the count goes to the ledger as one record per caller (OfficerQueryService), so the
 * flood is on the record without being written a call at a time. Allowed calls are never limited here.
 */
export class RefusalLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private suppressed = new Map<string, { count: number; first: number; last: number }>();

  constructor(private readonly limits: RefusalLimits = DEFAULT_REFUSAL_LIMITS) {}

  /** Whether this refusal is recorded one by one; if not, how long the caller should wait. */
  admit(
    caller: string,
    now = Date.now(),
  ): { readonly admitted: true } | { readonly admitted: false; retryAfterSeconds: number } {
    const key = this.buckets.has(caller) || this.buckets.size < this.limits.maxCallers ? caller : OVERFLOW;
    const bucket = this.buckets.get(key) ?? { tokens: this.limits.burst, at: now };
    // A clock set back refills nothing (and takes nothing): elapsed time is never negative.
    const elapsed = Math.max(0, now - bucket.at);
    bucket.tokens = Math.min(this.limits.burst, bucket.tokens + (elapsed / 1000) * this.limits.perSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { admitted: true };
    }
    const seen = this.suppressed.get(key);
    if (seen) {
      seen.count += 1;
      seen.last = now;
    } else {
      this.suppressed.set(key, { count: 1, first: now, last: now });
    }
    return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.limits.perSecond)) };
  }

  /** Counts `drain` handed out that could not be recorded: they are counted again, with their times. */
  putBack(counts: readonly SuppressedRefusals[]): void {
    for (const c of counts) {
      const seen = this.suppressed.get(c.caller);
      const first = Date.parse(c.first);
      const last = Date.parse(c.last);
      if (seen) {
        seen.count += c.count;
        seen.first = Math.min(seen.first, first);
        seen.last = Math.max(seen.last, last);
      } else {
        this.suppressed.set(c.caller, { count: c.count, first, last });
      }
    }
  }

  /** The refusals not recorded one by one since the last call, per caller; and forgets full buckets. */
  drain(now = Date.now()): SuppressedRefusals[] {
    const out = [...this.suppressed].map(([caller, s]) => ({
      caller,
      count: s.count,
      first: new Date(s.first).toISOString(),
      last: new Date(s.last).toISOString(),
    }));
    this.suppressed = new Map();
    for (const [caller, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.limits.perSecond >= this.limits.burst) {
        this.buckets.delete(caller);
      }
    }
    return out;
  }
}
