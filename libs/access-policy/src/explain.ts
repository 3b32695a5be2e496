import type { DenyReason, QuotaLimitKind } from './decision';
import type { PolicyRuleSource } from './policy-source';
import type { QuotaLimits } from './quota';

/** What a decision is about; explanations are built from it. */
export interface Situation {
  readonly client: string;
  readonly service: string;
  readonly purpose: string;
  readonly rule?: PolicyRuleSource | undefined;
  readonly viaGroup?: string | undefined;
  readonly groups?: readonly string[] | undefined;
  readonly deniedFields?: readonly string[] | undefined;
  readonly waitMs?: number | undefined;
  readonly quotaLimit?: QuotaLimitKind | undefined;
  readonly limits?: QuotaLimits | undefined;
}

interface Texts {
  readonly explanation: string;
  readonly internalExplanation: string;
}

export function allowTexts(s: Situation, legalBasis: string): Texts {
  const rule = s.rule as PolicyRuleSource;
  return {
    explanation: `${s.client} may call ${s.service} for purpose ${s.purpose}.`,
    internalExplanation:
      `Allowed by rule ${describeRule(rule, s.viaGroup)}: purpose ${s.purpose} (legal basis: ${legalBasis}); ` +
      `fields ${list(rule.fields)}; ${limits(rule)}.`,
  };
}

/**
 * The caller's text speaks only of the caller's own request; the officer's text names the rule (or nearest miss),
 * who granted it and why it did not allow the request. The caller never sees rule ids, groups, other systems' rules
 * or the purposes a rule allows: those tell an attacker which purpose to claim next.
 */
export function denyTexts(reason: DenyReason, s: Situation, retryAfterSeconds: number | undefined): Texts {
  const rule = s.rule;
  const ruleText = rule === undefined ? '' : describeRule(rule, s.viaGroup);
  const request = `${s.client} → ${s.service} for purpose ${s.purpose}`;
  switch (reason) {
    case 'client_unknown':
      return {
        explanation: 'The calling system is not registered in the federation.',
        internalExplanation: `Denied (client_unknown): ${s.client} is not a system of the federation document.`,
      };
    case 'service_unknown':
      return {
        explanation: `Service ${s.service} is not in the federation's catalogue.`,
        internalExplanation: `Denied (service_unknown): ${s.service} is not a service of the federation document.`,
      };
    case 'no_rule': {
      const groups = s.groups === undefined || s.groups.length === 0 ? 'no group' : `groups ${list(s.groups)}`;
      const miss =
        rule === undefined
          ? 'No rule names this service for any client.'
          : rule.service === s.service
            ? `Nearest rule: ${ruleText} grants this service to ${rule.client ?? `group ${rule.clientGroup}`}, not to this client.`
            : `Nearest rule: ${ruleText} grants this client ${rule.service}, not ${s.service}.`;
      return {
        explanation: `No access rule allows ${s.client} to call ${s.service}.`,
        internalExplanation: `Denied (no_rule): no rule grants ${s.service} to ${s.client} (member of ${groups}). ${miss}`,
      };
    }
    case 'rule_expired': {
      const r = rule as PolicyRuleSource;
      return {
        explanation: `The access of ${s.client} to ${s.service} is not in force at this time.`,
        internalExplanation: `Denied (rule_expired): ${request}; rule ${ruleText} is valid ${validity(r)}.`,
      };
    }
    case 'rule_revoked': {
      const r = rule as PolicyRuleSource;
      const why = r.revocationReason === undefined ? '' : ` (${r.revocationReason})`;
      return {
        explanation: `The access of ${s.client} to ${s.service} has been revoked.`,
        internalExplanation: `Denied (rule_revoked): ${request}; rule ${ruleText} was revoked at ${r.revokedAt} by ${r.revokedBy ?? 'an officer'}${why}.`,
      };
    }
    case 'purpose_not_allowed': {
      const r = rule as PolicyRuleSource;
      return {
        explanation: `${s.client} may not call ${s.service} for purpose ${s.purpose}.`,
        internalExplanation: `Denied (purpose_not_allowed): ${request}; rule ${ruleText} allows only purposes ${list(r.purposes.map((p) => p.code))}.`,
      };
    }
    case 'field_not_allowed': {
      const r = rule as PolicyRuleSource;
      const fields = list(s.deniedFields ?? []);
      return {
        explanation: `${s.client} may not receive field(s) ${fields} of ${s.service} for purpose ${s.purpose}.`,
        internalExplanation: `Denied (field_not_allowed): ${request} asked for ${fields}; rule ${ruleText} allows only fields ${list(r.fields)}.`,
      };
    }
    case 'quota_exceeded': {
      const which = s.quotaLimit === 'daily' ? 'daily quota' : 'rate limit';
      const share = s.limits === undefined ? '' : ` (this instance's share: ${shareText(s.limits)})`;
      return {
        explanation: `The ${which} of ${s.client} for ${s.service} is used up; retry after ${retryAfterSeconds ?? 1} s.`,
        internalExplanation: `Denied (quota_exceeded): ${request}; rule ${ruleText} ${which} reached${share}; retry after ${retryAfterSeconds ?? 1} s.`,
      };
    }
  }
}

function describeRule(rule: PolicyRuleSource, viaGroup: string | undefined): string {
  const via = viaGroup === undefined ? '' : `, via group ${viaGroup}`;
  return `${rule.id} (granted by ${rule.grantedBy} at ${rule.grantedAt}${via})`;
}

function validity(rule: PolicyRuleSource): string {
  return `from ${rule.validFrom ?? 'the start'} until ${rule.validUntil ?? 'revoked'}`;
}

function limits(rule: PolicyRuleSource): string {
  const rate = rule.rateLimit === undefined ? 'no rate limit' : `${rule.rateLimit.perSecond}/s`;
  const daily = rule.dailyQuota === undefined ? 'no daily quota' : `${rule.dailyQuota}/day`;
  return `${rate}, ${daily}, valid ${validity(rule)}`;
}

function shareText(limits: QuotaLimits): string {
  const rate = limits.perSecond === undefined ? '' : `${limits.perSecond}/s burst ${limits.burst}`;
  const daily = limits.daily === undefined ? '' : `${limits.daily}/day`;
  return [rate, daily].filter((s) => s !== '').join(', ');
}

function list(items: readonly string[]): string {
  return items.length === 0 ? '(none)' : items.join(', ');
}
