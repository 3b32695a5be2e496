export { AccessPolicy, PolicyCompileError, compilePolicy, type CompileOptions } from './access-policy';
export {
  DENY_REASONS,
  type AllowDecision,
  type Decision,
  type DenyDecision,
  type DenyReason,
  type QuotaLimitKind,
} from './decision';
export { QuotaBucket, QuotaLedger, type QuotaLimits, type QuotaOptions } from './quota';
export type {
  PolicyGroupSource,
  PolicyPurposeSource,
  PolicyRateLimitSource,
  PolicyRuleSource,
  PolicyServiceSource,
  PolicySource,
} from './policy-source';
export { applyFieldMask, withinFieldMask } from './field-mask';
