import type { PolicyRuleSource } from './policy-source';

/**
 * Why a request is denied. Stable strings: the gateway writes them into the audit log and maps every one of them to
 * the `access_denied` error code, except `quota_exceeded` (→ `rate_limited`, with Retry-After), `service_unknown`
 * (→ `service_unknown`) and `client_unknown` (→ `client_certificate_invalid`).
 */
export const DENY_REASONS = [
  'client_unknown',
  'service_unknown',
  'no_rule',
  'rule_expired',
  'rule_revoked',
  'purpose_not_allowed',
  'field_not_allowed',
  'quota_exceeded',
] as const;

export type DenyReason = (typeof DENY_REASONS)[number];

/** Which limit a `quota_exceeded` denial hit. */
export type QuotaLimitKind = 'rate' | 'daily';

export interface AllowDecision {
  readonly allowed: true;
  readonly reason: 'allowed';
  /** The rule that allows the request (its `id` goes to the audit log). */
  readonly rule: PolicyRuleSource;
  /** The purpose as granted by the rule, with its legal basis. */
  readonly legalBasis: string;
  /**
   * The response fields the provider may return: the requested fields when the caller named some (each one allowed
   * by the rule), otherwise every field the rule allows. Never more than the rule allows.
   */
  readonly fields: readonly string[];
  /** For the caller. */
  readonly explanation: string;
  /** For security officers: names the rule, who granted it and the legal basis. */
  readonly internalExplanation: string;
}

export interface DenyDecision {
  readonly allowed: false;
  readonly reason: DenyReason;
  /**
   * The rule that matched but did not allow (expired, wrong purpose, field not allowed, quota), or, for `no_rule`
   * in `explain`, the nearest miss. Always a rule of the caller itself or of a group it belongs to, except a
   * `no_rule` nearest miss from `explain`, which is for officers only.
   */
  readonly rule: PolicyRuleSource | undefined;
  /** For `quota_exceeded`: whole seconds until a retry can succeed (the HTTP Retry-After value, RFC 9110 §10.2.3). */
  readonly retryAfterSeconds: number | undefined;
  readonly quotaLimit: QuotaLimitKind | undefined;
  /** The requested fields the rule does not allow (for `field_not_allowed`). */
  readonly deniedFields: readonly string[] | undefined;
  /**
   * For the caller: says what was refused in terms of the caller's own request, and never names rules, groups or
   * other systems it is not party to.
   */
  readonly explanation: string;
  /** For security officers: names the rule or nearest miss and says why it did not allow the request. */
  readonly internalExplanation: string;
}

export type Decision = AllowDecision | DenyDecision;
