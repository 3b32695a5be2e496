import { KopirError } from '@kopir/contracts';
import type { AllowDecision, Decision, DenyDecision, DenyReason } from './decision';
import { type QuotaBucket, QuotaLedger, type QuotaOptions } from './quota';
import type { PolicyRuleSource, PolicySource } from './policy-source';
import { allowTexts, denyTexts, type Situation } from './explain';

/** The federation's rules are inconsistent (a rule names an unknown system, group, service or field, ...). */
export class PolicyCompileError extends KopirError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super('config_invalid', `The access rules cannot be compiled:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

/** One rule as it applies to one client system (a group rule yields one grant per member). */
interface Grant {
  readonly rule: PolicyRuleSource;
  readonly client: string;
  readonly viaGroup: string | undefined;
  readonly from: number;
  readonly until: number;
  readonly revokedAt: number;
  /** Purpose code → its legal basis. */
  readonly purposes: ReadonlyMap<string, string>;
  readonly fields: ReadonlySet<string>;
  readonly bucket: QuotaBucket | undefined;
  /** The allow decisions for an unrestricted field request, one per purpose, built once: no allocation per decision. */
  readonly allowAll: ReadonlyMap<string, AllowDecision>;
}

/** How far a grant got before it refused: the nearest miss is the grant that got furthest. */
const STAGE: Record<DenyReason, number> = {
  client_unknown: -1,
  service_unknown: -1,
  no_rule: -1,
  rule_expired: 0,
  rule_revoked: 0,
  purpose_not_allowed: 1,
  field_not_allowed: 2,
  quota_exceeded: 3,
};

export interface CompileOptions extends QuotaOptions {
  /**
   * Keeps quota state across recompilations (pass the previous policy's `ledger` after a federation reload);
   * a new ledger otherwise.
   */
  readonly ledger?: QuotaLedger;
}

/**
 * The access decision of Köpir, compiled from a federation document into an index. Deny by default: a request is
 * allowed only when a rule of the client (or of a group it belongs to) for the service is in force at `now`, allows
 * the purpose, allows every requested field, and has quota left.
 *
 * The fast path is two Map lookups (client, then service) and a loop over that pair's grants (usually one): the
 * index is nested rather than keyed by a `client|service` string so that a decision builds no key string.
 */
export class AccessPolicy {
  readonly ledger: QuotaLedger;
  private readonly index = new Map<string, Map<string, Grant[]>>();
  private readonly systems = new Set<string>();
  private readonly services = new Map<string, ReadonlySet<string>>();
  /** System → the groups it belongs to. */
  private readonly groupsOf = new Map<string, string[]>();
  private readonly rules: readonly PolicyRuleSource[];

  constructor(source: PolicySource, options: CompileOptions = {}) {
    this.ledger = options.ledger ?? new QuotaLedger(options);
    this.rules = source.rules;
    const problems: string[] = [];
    for (const agency of source.agencies) for (const system of agency.systems) this.systems.add(system.id);
    for (const service of source.services) this.services.set(service.id, new Set(service.fields.map((f) => f.name)));
    const groups = new Map<string, readonly string[]>();
    for (const group of source.groups ?? []) {
      if (groups.has(group.id)) problems.push(`group ${group.id} is defined twice`);
      groups.set(group.id, group.members);
      for (const member of group.members) {
        if (!this.systems.has(member)) problems.push(`group ${group.id}: member ${member} is not a system`);
        const list = this.groupsOf.get(member) ?? [];
        list.push(group.id);
        this.groupsOf.set(member, list);
      }
    }
    const ids = new Set<string>();
    const bucketKeys = new Set<string>();
    const direct: Grant[] = [];
    const viaGroups: Grant[] = [];
    for (const rule of source.rules) {
      const where = `rule ${rule.id}`;
      if (ids.has(rule.id)) problems.push(`${where}: the id is used twice`);
      ids.add(rule.id);
      const serviceFields = this.services.get(rule.service);
      if (serviceFields === undefined) problems.push(`${where}: service ${rule.service} is not in the federation`);
      for (const field of rule.fields) {
        if (serviceFields && !serviceFields.has(field)) {
          problems.push(`${where}: service ${rule.service} does not return field ${field}`);
        }
      }
      let clients: readonly string[] = [];
      if ((rule.client === undefined) === (rule.clientGroup === undefined)) {
        problems.push(`${where}: name exactly one of client and clientGroup`);
      } else if (rule.client !== undefined) {
        if (!this.systems.has(rule.client)) problems.push(`${where}: client ${rule.client} is not a system`);
        clients = [rule.client];
      } else if (rule.clientGroup !== undefined) {
        const members = groups.get(rule.clientGroup);
        if (members === undefined) problems.push(`${where}: group ${rule.clientGroup} is not defined`);
        clients = members ?? [];
      }
      const from = time(rule.validFrom, Number.NEGATIVE_INFINITY, `${where}: validFrom`, problems);
      const until = time(rule.validUntil, Number.POSITIVE_INFINITY, `${where}: validUntil`, problems);
      const revokedAt = time(rule.revokedAt, Number.POSITIVE_INFINITY, `${where}: revokedAt`, problems);
      time(rule.grantedAt, 0, `${where}: grantedAt`, problems);
      if (rule.rateLimit !== undefined && !(rule.rateLimit.perSecond > 0)) {
        problems.push(`${where}: rateLimit.perSecond must be positive`);
      }
      if (rule.dailyQuota !== undefined && !(Number.isInteger(rule.dailyQuota) && rule.dailyQuota > 0)) {
        problems.push(`${where}: dailyQuota must be a positive integer`);
      }
      const purposes = new Map(rule.purposes.map((p) => [p.code, p.legalBasis]));
      const fields = new Set(rule.fields);
      const ruleFields = Object.freeze([...rule.fields]);
      const limited = rule.rateLimit !== undefined || rule.dailyQuota !== undefined;
      for (const client of clients) {
        let bucket: QuotaBucket | undefined;
        if (limited) {
          bucket = this.ledger.bucket(
            client,
            rule.service,
            rule.id,
            this.ledger.share(rule.rateLimit, rule.dailyQuota),
          );
          bucketKeys.add(`${client}|${rule.service}|${rule.id}`);
        }
        const viaGroup = rule.clientGroup;
        const allowAll = new Map<string, AllowDecision>();
        for (const [purpose, legalBasis] of purposes) {
          const situation: Situation = { client, service: rule.service, purpose, rule, viaGroup };
          allowAll.set(
            purpose,
            Object.freeze({
              allowed: true,
              reason: 'allowed',
              rule,
              legalBasis,
              fields: ruleFields,
              ...allowTexts(situation, legalBasis),
            }),
          );
        }
        const grant: Grant = { rule, client, viaGroup, from, until, revokedAt, purposes, fields, bucket, allowAll };
        (viaGroup === undefined ? direct : viaGroups).push(grant);
      }
    }
    if (problems.length > 0) throw new PolicyCompileError(problems);
    // A client's own rules are tried before its groups' rules, each in document order, so the outcome is stable.
    for (const grant of [...direct, ...viaGroups]) {
      let byService = this.index.get(grant.client);
      if (byService === undefined) this.index.set(grant.client, (byService = new Map<string, Grant[]>()));
      const list = byService.get(grant.rule.service);
      if (list === undefined) byService.set(grant.rule.service, [grant]);
      else list.push(grant);
    }
    if (options.ledger !== undefined) this.ledger.retain(bucketKeys);
  }

  /**
   * Decides one request and, when it is allowed, consumes one unit of the client × service quota.
   *
   * @param client the calling system, from its verified TLS certificate (`psc/front-office`)
   * @param service the service called (`mju/population/person-by-iin`)
   * @param purpose the purpose code the caller declared (`Kopir-Purpose`)
   * @param requestedFields the response fields asked for; undefined = everything the rule allows
   * @param now epoch milliseconds
   */
  decide(
    client: string,
    service: string,
    purpose: string,
    requestedFields: readonly string[] | undefined,
    now: number,
  ): Decision {
    return this.evaluate(client, service, purpose, requestedFields, now, true);
  }

  /**
   * The same decision without consuming quota, for `kopir rules explain` and officers' views. For `no_rule` it also
   * names the nearest miss: a rule of another client for the same service, or a rule of this client for another
   * service of the same provider. Never show its `internalExplanation` to the caller.
   */
  explain(
    client: string,
    service: string,
    purpose: string,
    requestedFields: readonly string[] | undefined,
    now: number,
  ): Decision {
    const decision = this.evaluate(client, service, purpose, requestedFields, now, false);
    if (decision.allowed || decision.reason !== 'no_rule') return decision;
    const provider = service.split('/').slice(0, 2).join('/');
    const nearest =
      this.rules.find((r) => r.service === service) ??
      this.rules.find(
        (r) => (r.client === client || this.inGroup(client, r.clientGroup)) && r.service.startsWith(`${provider}/`),
      );
    return nearest === undefined
      ? decision
      : this.deny('no_rule', {
          client,
          service,
          purpose,
          rule: nearest,
          viaGroup: nearest.clientGroup,
          groups: this.groupsOf.get(client),
        });
  }

  /** The rules that apply to a client system (its own and its groups'), for `kopir rules list --client`. */
  rulesOf(client: string): PolicyRuleSource[] {
    return this.rules.filter((r) => r.client === client || this.inGroup(client, r.clientGroup));
  }

  private inGroup(client: string, group: string | undefined): boolean {
    return group !== undefined && (this.groupsOf.get(client)?.includes(group) ?? false);
  }

  private evaluate(
    client: string,
    service: string,
    purpose: string,
    requestedFields: readonly string[] | undefined,
    now: number,
    consume: boolean,
  ): Decision {
    const grants = this.index.get(client)?.get(service);
    if (grants === undefined) {
      if (!this.systems.has(client)) return this.deny('client_unknown', { client, service, purpose });
      if (!this.services.has(service)) return this.deny('service_unknown', { client, service, purpose });
      return this.deny('no_rule', { client, service, purpose, groups: this.groupsOf.get(client) });
    }
    let nearest: Grant | undefined;
    let nearestReason: DenyReason = 'no_rule';
    let waitMs = 0;
    let deniedFields: string[] | undefined;
    for (const grant of grants) {
      let reason: DenyReason;
      let missing: string[] | undefined;
      let wait = 0;
      if (now < grant.from || now >= grant.until) reason = 'rule_expired';
      else if (now >= grant.revokedAt) reason = 'rule_revoked';
      else if (!grant.purposes.has(purpose)) reason = 'purpose_not_allowed';
      else if (requestedFields !== undefined && (missing = notAllowed(grant.fields, requestedFields)) !== undefined) {
        reason = 'field_not_allowed';
      } else if (grant.bucket !== undefined && (wait = grant.bucket.take(now, consume)) > 0) {
        reason = 'quota_exceeded';
      } else {
        const all = grant.allowAll.get(purpose) as AllowDecision;
        if (requestedFields === undefined) return all;
        // A literal with the same shape as the prebuilt decisions (a spread would build it key by key, slower).
        return {
          allowed: true,
          reason: 'allowed',
          rule: all.rule,
          legalBasis: all.legalBasis,
          fields: requestedFields.slice(),
          explanation: all.explanation,
          internalExplanation: all.internalExplanation,
        };
      }
      if (nearest === undefined || STAGE[reason] > STAGE[nearestReason]) {
        nearest = grant;
        nearestReason = reason;
        waitMs = wait;
        deniedFields = missing;
      }
    }
    const grant = nearest as Grant;
    return this.deny(nearestReason, {
      client,
      service,
      purpose,
      rule: grant.rule,
      viaGroup: grant.viaGroup,
      groups: this.groupsOf.get(client),
      deniedFields,
      waitMs,
      quotaLimit: grant.bucket?.lastRefusal,
      limits: grant.bucket === undefined ? undefined : this.ledger.share(grant.rule.rateLimit, grant.rule.dailyQuota),
    });
  }

  private deny(reason: DenyReason, situation: Situation): DenyDecision {
    const retryAfterSeconds =
      reason === 'quota_exceeded' && situation.waitMs !== undefined ? Math.ceil(situation.waitMs / 1000) : undefined;
    return {
      allowed: false,
      reason,
      rule: situation.rule,
      retryAfterSeconds,
      quotaLimit: reason === 'quota_exceeded' ? situation.quotaLimit : undefined,
      deniedFields: situation.deniedFields,
      ...denyTexts(reason, situation, retryAfterSeconds),
    };
  }
}

/** The requested fields the grant does not allow, or undefined when all are allowed (no allocation then). */
function notAllowed(allowed: ReadonlySet<string>, requested: readonly string[]): string[] | undefined {
  let missing: string[] | undefined;
  for (const field of requested) {
    if (!allowed.has(field)) (missing ??= []).push(field);
  }
  return missing;
}

function time(value: string | undefined, absent: number, where: string, problems: string[]): number {
  if (value === undefined) return absent;
  // RFC 3339 §5.6 date-time with an explicit offset: a rule's validity must not depend on the server's time zone.
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)
    ? Date.parse(value)
    : NaN;
  if (Number.isNaN(ms)) problems.push(`${where} is not an RFC 3339 date-time with an offset: ${JSON.stringify(value)}`);
  return ms;
}

/** Compiles the access rules of a federation document (see AccessPolicy). */
export function compilePolicy(source: PolicySource, options: CompileOptions = {}): AccessPolicy {
  return new AccessPolicy(source, options);
}
