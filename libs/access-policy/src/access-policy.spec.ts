import { compilePolicy, PolicyCompileError } from './access-policy';
import type { DenyDecision } from './decision';
import { QuotaLedger } from './quota';
import type { PolicyRuleSource, PolicySource } from './policy-source';

const T0 = Date.parse('2026-06-01T10:00:00Z');
const PERSON = 'mju/population/person-by-iin';
const DEBTS = 'src/tax/tax-debts';

function rule(overrides: Partial<PolicyRuleSource> & { id: string }): PolicyRuleSource {
  return {
    client: 'psc/front-office',
    service: PERSON,
    purposes: [{ code: 'driving-licence-issue', legalBasis: 'Law on Road Traffic, art. 70' }],
    fields: ['iin', 'lastName', 'firstName'],
    grantedBy: 'urn:kopir:officer:a.nurlanova',
    grantedAt: '2026-01-10T09:00:00Z',
    ...overrides,
  };
}

function source(rules: PolicyRuleSource[]): PolicySource {
  return {
    agencies: [
      { systems: [{ id: 'psc/front-office' }, { id: 'psc/back-office' }] },
      { systems: [{ id: 'mju/population' }] },
      { systems: [{ id: 'src/tax' }] },
    ],
    groups: [{ id: 'psc-offices', members: ['psc/front-office', 'psc/back-office'] }],
    services: [
      { id: PERSON, fields: ['iin', 'lastName', 'firstName', 'birthDate', 'address'].map((name) => ({ name })) },
      { id: DEBTS, fields: [{ name: 'iin' }, { name: 'totalDebt' }] },
    ],
    rules,
  };
}

function denied(decision: ReturnType<ReturnType<typeof compilePolicy>['decide']>): DenyDecision {
  if (decision.allowed) throw new Error(`expected a denial, got ${decision.internalExplanation}`);
  return decision;
}

describe('AccessPolicy.decide', () => {
  const base = compilePolicy(source([rule({ id: 'r-person' })]));

  it('allows a granted request with the rule id, legal basis and the rule field mask', () => {
    const decision = base.decide('psc/front-office', PERSON, 'driving-licence-issue', undefined, T0);
    expect(decision).toMatchObject({
      allowed: true,
      reason: 'allowed',
      legalBasis: 'Law on Road Traffic, art. 70',
      fields: ['iin', 'lastName', 'firstName'],
    });
    expect(decision.rule?.id).toBe('r-person');
    expect(decision.internalExplanation).toContain('r-person');
  });

  it('narrows the mask to the requested fields when they are all allowed', () => {
    const decision = base.decide('psc/front-office', PERSON, 'driving-licence-issue', ['iin'], T0);
    expect(decision).toMatchObject({ allowed: true, fields: ['iin'] });
  });

  it('denies an unregistered client with client_unknown', () => {
    const d = denied(base.decide('xyz/intruder', PERSON, 'driving-licence-issue', undefined, T0));
    expect(d.reason).toBe('client_unknown');
    expect(d.rule).toBeUndefined();
  });

  it('denies an unknown service with service_unknown', () => {
    expect(denied(base.decide('psc/front-office', 'mju/population/nope', 'x', undefined, T0)).reason).toBe(
      'service_unknown',
    );
  });

  it('denies by default: no_rule for a known client and service without a rule, without naming other rules', () => {
    const d = denied(base.decide('psc/front-office', DEBTS, 'social-benefit-check', undefined, T0));
    expect(d.reason).toBe('no_rule');
    expect(d.explanation).not.toContain('r-person');
    expect(d.internalExplanation).toContain('no rule grants src/tax/tax-debts');
  });

  it('denies another client of the same agency that has no rule of its own', () => {
    expect(denied(base.decide('psc/back-office', PERSON, 'driving-licence-issue', undefined, T0)).reason).toBe(
      'no_rule',
    );
  });

  it('denies a purpose the rule does not list with purpose_not_allowed, naming the rule only internally', () => {
    const d = denied(base.decide('psc/front-office', PERSON, 'social-benefit-check', undefined, T0));
    expect(d.reason).toBe('purpose_not_allowed');
    expect(d.rule?.id).toBe('r-person');
    expect(d.internalExplanation).toContain('allows only purposes driving-licence-issue');
    // The caller is not told which purpose would have worked, nor the rule id.
    expect(d.explanation).not.toContain('driving-licence-issue');
    expect(d.explanation).not.toContain('r-person');
  });

  it('denies a field outside the mask with field_not_allowed and names the field', () => {
    const d = denied(base.decide('psc/front-office', PERSON, 'driving-licence-issue', ['iin', 'address'], T0));
    expect(d.reason).toBe('field_not_allowed');
    expect(d.deniedFields).toEqual(['address']);
    expect(d.explanation).toContain('address');
  });

  it('denies a field the service does not have at all', () => {
    const d = denied(base.decide('psc/front-office', PERSON, 'driving-licence-issue', ['password'], T0));
    expect(d.reason).toBe('field_not_allowed');
  });

  it('denies before validFrom and from validUntil on with rule_expired (validUntil is exclusive)', () => {
    const policy = compilePolicy(
      source([rule({ id: 'r-window', validFrom: '2026-06-01T00:00:00Z', validUntil: '2026-07-01T00:00:00Z' })]),
    );
    const before = Date.parse('2026-05-31T23:59:59Z');
    const until = Date.parse('2026-07-01T00:00:00Z');
    expect(denied(policy.decide('psc/front-office', PERSON, 'driving-licence-issue', undefined, before)).reason).toBe(
      'rule_expired',
    );
    expect(policy.decide('psc/front-office', PERSON, 'driving-licence-issue', undefined, until - 1).allowed).toBe(true);
    const d = denied(policy.decide('psc/front-office', PERSON, 'driving-licence-issue', undefined, until));
    expect(d.reason).toBe('rule_expired');
    expect(d.internalExplanation).toContain('2026-07-01T00:00:00Z');
  });

  it('denies from the revocation time on with rule_revoked, and says who revoked it to officers only', () => {
    const policy = compilePolicy(
      source([
        rule({
          id: 'r-revoked',
          revokedAt: '2026-06-01T09:00:00Z',
          revokedBy: 'urn:kopir:officer:b.sarsenov',
          revocationReason: 'contract ended',
        }),
      ]),
    );
    const d = denied(policy.decide('psc/front-office', PERSON, 'driving-licence-issue', undefined, T0));
    expect(d.reason).toBe('rule_revoked');
    expect(d.internalExplanation).toContain('b.sarsenov');
    expect(d.explanation).not.toContain('b.sarsenov');
    const earlier = Date.parse('2026-06-01T08:59:59Z');
    expect(policy.decide('psc/front-office', PERSON, 'driving-licence-issue', undefined, earlier).allowed).toBe(true);
  });

  it('denies with quota_exceeded and a Retry-After once the burst is used, and allows again after refill', () => {
    const policy = compilePolicy(source([rule({ id: 'r-rate', rateLimit: { perSecond: 2, burst: 2 } })]));
    const ask = (t: number) => policy.decide('psc/front-office', PERSON, 'driving-licence-issue', undefined, t);
    expect(ask(T0).allowed).toBe(true);
    expect(ask(T0).allowed).toBe(true);
    const d = denied(ask(T0));
    expect(d).toMatchObject({ reason: 'quota_exceeded', quotaLimit: 'rate', retryAfterSeconds: 1 });
    expect(ask(T0 + 500).allowed).toBe(true);
  });

  it('enforces the daily quota until the next local midnight (UTC+5) and says how long to wait', () => {
    const policy = compilePolicy(source([rule({ id: 'r-daily', dailyQuota: 2 })]));
    const ask = (t: number) => policy.decide('psc/front-office', PERSON, 'driving-licence-issue', undefined, t);
    expect(ask(T0).allowed).toBe(true);
    expect(ask(T0 + 1000).allowed).toBe(true);
    const d = denied(ask(T0 + 2000));
    expect(d.quotaLimit).toBe('daily');
    // T0 is 15:00 in Almaty; local midnight is 19:00Z: 9 hours minus the 2 s already passed.
    expect(d.retryAfterSeconds).toBe(9 * 3600 - 2);
    expect(ask(Date.parse('2026-06-01T19:00:00Z')).allowed).toBe(true);
  });

  it('does not spend rate tokens on requests refused by the daily quota or an earlier check', () => {
    const policy = compilePolicy(source([rule({ id: 'r-both', rateLimit: { perSecond: 1, burst: 1 } })]));
    expect(denied(policy.decide('psc/front-office', PERSON, 'wrong-purpose', undefined, T0)).reason).toBe(
      'purpose_not_allowed',
    );
    expect(policy.decide('psc/front-office', PERSON, 'driving-licence-issue', undefined, T0).allowed).toBe(true);
  });

  it('applies a group rule to each member, with a separate quota per member', () => {
    const policy = compilePolicy(
      source([rule({ id: 'r-group', client: undefined, clientGroup: 'psc-offices', dailyQuota: 1 })]),
    );
    const front = policy.decide('psc/front-office', PERSON, 'driving-licence-issue', undefined, T0);
    const back = policy.decide('psc/back-office', PERSON, 'driving-licence-issue', undefined, T0);
    expect([front.allowed, back.allowed]).toEqual([true, true]);
    expect(front.internalExplanation).toContain('via group psc-offices');
    expect(denied(policy.decide('psc/back-office', PERSON, 'driving-licence-issue', undefined, T0)).reason).toBe(
      'quota_exceeded',
    );
  });

  it('reports the nearest miss among several rules (the one that got furthest)', () => {
    const policy = compilePolicy(
      source([rule({ id: 'r-old', validUntil: '2026-01-01T00:00:00Z' }), rule({ id: 'r-narrow', fields: ['iin'] })]),
    );
    const d = denied(policy.decide('psc/front-office', PERSON, 'driving-licence-issue', ['lastName', 'address'], T0));
    expect(d.reason).toBe('field_not_allowed');
    expect(d.rule?.id).toBe('r-narrow');
  });

  it('uses a second rule when the first one does not allow the request', () => {
    const policy = compilePolicy(
      source([
        rule({ id: 'r-a', purposes: [{ code: 'vehicle-registration', legalBasis: 'x' }] }),
        rule({ id: 'r-b', clientGroup: 'psc-offices', client: undefined }),
      ]),
    );
    const decision = policy.decide('psc/front-office', PERSON, 'driving-licence-issue', undefined, T0);
    expect(decision.allowed && decision.rule.id).toBe('r-b');
  });

  it('returns the same prebuilt decision for repeated unrestricted requests (no allocation on the fast path)', () => {
    const a = base.decide('psc/front-office', PERSON, 'driving-licence-issue', undefined, T0);
    const b = base.decide('psc/front-office', PERSON, 'driving-licence-issue', undefined, T0 + 1);
    expect(a).toBe(b);
    expect(Object.isFrozen(a)).toBe(true);
  });
});

describe('AccessPolicy.explain', () => {
  it('names the nearest miss for no_rule to the officer, and consumes no quota', () => {
    const policy = compilePolicy(source([rule({ id: 'r-person', dailyQuota: 1 })]));
    const d = denied(policy.explain('psc/back-office', PERSON, 'driving-licence-issue', undefined, T0));
    expect(d.reason).toBe('no_rule');
    expect(d.rule?.id).toBe('r-person');
    expect(d.internalExplanation).toContain('not to this client');
    expect(d.explanation).not.toContain('r-person');
    for (let i = 0; i < 3; i++) {
      expect(policy.explain('psc/front-office', PERSON, 'driving-licence-issue', undefined, T0).allowed).toBe(true);
    }
    expect(policy.decide('psc/front-office', PERSON, 'driving-licence-issue', undefined, T0).allowed).toBe(true);
  });
});

describe('compilePolicy', () => {
  it('refuses inconsistent rules, naming every problem', () => {
    const attempt = () =>
      compilePolicy(
        source([
          rule({ id: 'dup' }),
          rule({ id: 'dup', service: 'mju/population/unknown' }),
          rule({ id: 'r-field', fields: ['salary'] }),
          rule({ id: 'r-client', client: 'psc/ghost' }),
          rule({ id: 'r-both', clientGroup: 'psc-offices' }),
          rule({ id: 'r-group', client: undefined, clientGroup: 'nobody' }),
          rule({ id: 'r-date', validUntil: '2026-13-01' }),
          rule({ id: 'r-rate', rateLimit: { perSecond: 0 } }),
        ]),
      );
    expect(attempt).toThrow(PolicyCompileError);
    try {
      attempt();
    } catch (error) {
      const problems = (error as PolicyCompileError).problems.join('\n');
      for (const expected of [
        'rule dup: the id is used twice',
        'service mju/population/unknown is not in the federation',
        'does not return field salary',
        'client psc/ghost is not a system',
        'r-both: name exactly one of client and clientGroup',
        'group nobody is not defined',
        'r-date: validUntil is not an RFC 3339 date-time',
        'r-rate: rateLimit.perSecond must be positive',
      ]) {
        expect(problems).toContain(expected);
      }
      expect((error as PolicyCompileError).code).toBe('config_invalid');
    }
  });

  it('keeps quota use across a recompilation that shares the ledger', () => {
    const rules = [rule({ id: 'r-daily', dailyQuota: 1 })];
    const first = compilePolicy(source(rules));
    expect(first.decide('psc/front-office', PERSON, 'driving-licence-issue', undefined, T0).allowed).toBe(true);
    const reloaded = compilePolicy(source(rules), { ledger: first.ledger });
    expect(denied(reloaded.decide('psc/front-office', PERSON, 'driving-licence-issue', undefined, T0)).reason).toBe(
      'quota_exceeded',
    );
  });

  it("divides limits across gateway instances so that together they never exceed the rule's", () => {
    const policy = compilePolicy(source([rule({ id: 'r-daily', dailyQuota: 10 })]), {
      ledger: new QuotaLedger({ instances: 3 }),
    });
    let allowed = 0;
    for (let i = 0; i < 10; i++) {
      if (policy.decide('psc/front-office', PERSON, 'driving-licence-issue', undefined, T0).allowed) allowed++;
    }
    expect(allowed).toBe(3);
  });
});
