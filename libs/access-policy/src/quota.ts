import type { QuotaLimitKind } from './decision';

const DAY_MS = 86_400_000;

/** The limits of one client × service pair, as one gateway instance enforces them. */
export interface QuotaLimits {
  /** Refill rate of the token bucket; undefined = no rate limit. */
  readonly perSecond: number | undefined;
  /** Bucket size. */
  readonly burst: number;
  /** Requests per calendar day; undefined = no daily quota. */
  readonly daily: number | undefined;
}

/**
 * A token bucket (rate limit) plus a calendar-day counter (daily quota) for one client × service pair. It is plain
 * synchronous state: Node runs one decision at a time, so a take is atomic with respect to concurrent requests and
 * the quota can never be exceeded by interleaving.
 *
 * `take` allocates nothing: it returns 0 when a request may go, otherwise the milliseconds until a retry can succeed,
 * and records which limit refused it in `lastRefusal`.
 */
export class QuotaBucket {
  private tokens: number;
  private refilledAt: number | undefined;
  private day = Number.NEGATIVE_INFINITY;
  private usedToday = 0;
  lastRefusal: QuotaLimitKind | undefined;

  constructor(
    private limits: QuotaLimits,
    private readonly dayOffsetMs: number,
  ) {
    this.tokens = limits.burst;
  }

  /** Adopts new limits (after a federation reload) keeping what was used; never grants more than the new burst. */
  update(limits: QuotaLimits): void {
    this.limits = limits;
    this.tokens = Math.min(this.tokens, limits.burst);
  }

  /** Requests used in the current day (for officers' views). */
  get used(): number {
    return this.usedToday;
  }

  /**
   * Consumes one request if both limits allow it at `now` (epoch ms), otherwise consumes nothing. With `consume`
   * false it only looks (for `explain`), changing no state.
   */
  take(now: number, consume = true): number {
    const { perSecond, burst, daily } = this.limits;
    let tokens = this.tokens;
    // A clock that steps back refills nothing (it must not mint tokens); the bucket resumes from the later time.
    if (perSecond !== undefined && this.refilledAt !== undefined && now > this.refilledAt) {
      tokens = Math.min(burst, tokens + ((now - this.refilledAt) * perSecond) / 1000);
    }
    let day = this.day;
    let usedToday = this.usedToday;
    if (daily !== undefined) {
      const today = Math.floor((now + this.dayOffsetMs) / DAY_MS);
      if (today > day) {
        day = today;
        usedToday = 0;
      }
    }
    let wait = 0;
    if (daily !== undefined && usedToday >= daily) {
      this.lastRefusal = 'daily';
      wait = Math.max(1, (day + 1) * DAY_MS - this.dayOffsetMs - now);
    } else if (perSecond !== undefined && tokens < 1) {
      this.lastRefusal = 'rate';
      wait = Math.max(1, Math.ceil(((1 - tokens) * 1000) / perSecond));
    }
    if (!consume) return wait;
    // Commit the refill and the day roll-over even when refused, so that time already counted is not counted twice.
    if (perSecond !== undefined && (this.refilledAt === undefined || now > this.refilledAt)) this.refilledAt = now;
    this.tokens = tokens;
    this.day = day;
    this.usedToday = usedToday;
    if (wait > 0) return wait;
    if (perSecond !== undefined) this.tokens -= 1;
    if (daily !== undefined) this.usedToday += 1;
    return 0;
  }
}

export interface QuotaOptions {
  /**
   * Gateway instances that share the traffic evenly (behind one TCP load balancer). Each instance enforces
   * floor(limit / instances) (at least 1), so together they never allow more than the rule grants; see
   * docs/access-rules.md "Quotas with several gateway instances".
   */
  readonly instances?: number;
  /**
   * Offset of the quota's calendar day from UTC, in minutes. Default +300: Kazakhstan's single time zone (UTC+5
   * since 1 March 2024), so a daily quota resets at local midnight.
   */
  readonly dayOffsetMinutes?: number;
}

/**
 * Holds the buckets of one gateway instance across policy recompilations, so that reloading the federation document
 * neither resets nor forgets what a client has used. Keyed by client × service × rule id.
 */
export class QuotaLedger {
  private readonly buckets = new Map<string, QuotaBucket>();
  readonly instances: number;
  readonly dayOffsetMs: number;

  constructor(options: QuotaOptions = {}) {
    const instances = options.instances ?? 1;
    if (!Number.isInteger(instances) || instances < 1) throw new RangeError('instances must be an integer ≥ 1');
    this.instances = instances;
    this.dayOffsetMs = (options.dayOffsetMinutes ?? 300) * 60_000;
  }

  /** This instance's share of a rule's limits. */
  share(rateLimit: { perSecond: number; burst?: number | undefined } | undefined, dailyQuota: number | undefined) {
    const n = this.instances;
    const perSecond = rateLimit === undefined ? undefined : rateLimit.perSecond / n;
    const burst =
      rateLimit === undefined ? 1 : Math.max(1, Math.floor((rateLimit.burst ?? Math.max(1, rateLimit.perSecond)) / n));
    const daily = dailyQuota === undefined ? undefined : Math.max(1, Math.floor(dailyQuota / n));
    return { perSecond, burst, daily } satisfies QuotaLimits;
  }

  /** The bucket for a client × service × rule, created on first use and given the current limits. */
  bucket(client: string, service: string, ruleId: string, limits: QuotaLimits): QuotaBucket {
    const key = `${client}|${service}|${ruleId}`;
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = new QuotaBucket(limits, this.dayOffsetMs);
      this.buckets.set(key, bucket);
    } else {
      bucket.update(limits);
    }
    return bucket;
  }

  /** Forgets buckets whose rule is gone (after a reload), so the ledger does not grow without bound. */
  retain(keys: ReadonlySet<string>): void {
    for (const key of this.buckets.keys()) if (!keys.has(key)) this.buckets.delete(key);
  }
}
