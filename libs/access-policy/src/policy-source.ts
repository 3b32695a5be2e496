/**
 * What the access policy is compiled from: the parts of a federation document (libs/federation) that decide access.
 * The types are structural so that a loaded federation document can be passed as it is, and so that this library
 * stays free of the federation's loading, YAML and signature code (it is small on purpose: it is security-critical).
 *
 * Times are RFC 3339 date-times (`2026-01-01T00:00:00Z`); a rule is in force from `validFrom` (inclusive) until
 * `validUntil` (exclusive), and no longer once `revokedAt` has passed.
 */
export interface PolicySource {
  readonly agencies: readonly { readonly systems: readonly { readonly id: string }[] }[];
  readonly groups?: readonly PolicyGroupSource[] | undefined;
  readonly services: readonly PolicyServiceSource[];
  readonly rules: readonly PolicyRuleSource[];
}

/** A named set of client systems; a rule granted to a group applies to each member as if granted to it alone. */
export interface PolicyGroupSource {
  readonly id: string;
  readonly description?: string | undefined;
  readonly members: readonly string[];
}

export interface PolicyServiceSource {
  readonly id: string;
  /** Every field the service can return; a rule may allow a subset. */
  readonly fields: readonly { readonly name: string }[];
}

/** A purpose a rule allows, with the legal act that permits the processing (for the officer and the audit log). */
export interface PolicyPurposeSource {
  readonly code: string;
  readonly legalBasis: string;
}

export interface PolicyRateLimitSource {
  /** Sustained requests per second (the bucket's refill rate). */
  readonly perSecond: number;
  /** Requests that may arrive at once after a quiet period (the bucket's size); defaults to max(1, perSecond). */
  readonly burst?: number | undefined;
}

export interface PolicyRuleSource {
  readonly id: string;
  /** The client system (`psc/front-office`); exactly one of `client` and `clientGroup`. */
  readonly client?: string | undefined;
  /** A group of client systems (`psc-offices`). */
  readonly clientGroup?: string | undefined;
  readonly service: string;
  readonly purposes: readonly PolicyPurposeSource[];
  /** The response fields the client may receive: the field mask. */
  readonly fields: readonly string[];
  readonly rateLimit?: PolicyRateLimitSource | undefined;
  /** Requests per calendar day (see QuotaOptions.dayOffsetMinutes for which day). */
  readonly dailyQuota?: number | undefined;
  readonly validFrom?: string | undefined;
  readonly validUntil?: string | undefined;
  readonly grantedBy: string;
  readonly grantedAt: string;
  readonly revokedAt?: string | undefined;
  readonly revokedBy?: string | undefined;
  readonly revocationReason?: string | undefined;
}
