import fc from 'fast-check';
import { compilePolicy } from './access-policy';
import type { PolicyRuleSource, PolicySource } from './policy-source';

/**
 * Property tests of the access decision (issue 5): deny by default, the mask never exceeds the rule, revoked or
 * expired rules deny, a quota is never exceeded, whatever the rules and requests fast-check generates.
 */
const CLIENTS = ['psc/front-office', 'psc/back-office', 'mia/patrol', 'src/audit'] as const;
const GROUPS = { 'psc-offices': ['psc/front-office', 'psc/back-office'], 'all-police': ['mia/patrol'] } as const;
const SERVICES = ['mju/population/person-by-iin', 'src/tax/tax-debts', 'mia/vehicles/vehicle-by-plate'] as const;
const PURPOSES = ['driving-licence-issue', 'vehicle-registration', 'social-benefit-check'] as const;
const FIELDS = ['iin', 'lastName', 'firstName', 'address', 'totalDebt'] as const;
const DAY = 86_400_000;
const EPOCH = Date.parse('2026-06-01T00:00:00Z');

const iso = (ms: number) => new Date(ms).toISOString();
const instant = fc.integer({ min: EPOCH - 30 * DAY, max: EPOCH + 30 * DAY });

const ruleArb: fc.Arbitrary<Omit<PolicyRuleSource, 'id'>> = fc
  .record({
    who: fc.oneof(
      fc.constantFrom(...CLIENTS).map((client) => ({ client, clientGroup: undefined })),
      fc.constantFrom(...(Object.keys(GROUPS) as (keyof typeof GROUPS)[])).map((clientGroup) => ({
        client: undefined,
        clientGroup,
      })),
    ),
    service: fc.constantFrom(...SERVICES),
    purposes: fc.subarray([...PURPOSES], { minLength: 1 }),
    fields: fc.subarray([...FIELDS]),
    from: fc.option(instant, { nil: undefined }),
    until: fc.option(instant, { nil: undefined }),
    revoked: fc.option(instant, { nil: undefined }),
  })
  .map((r) => ({
    ...r.who,
    service: r.service,
    purposes: r.purposes.map((code) => ({ code, legalBasis: `basis of ${code}` })),
    fields: r.fields,
    validFrom: r.from === undefined ? undefined : iso(r.from),
    validUntil: r.until === undefined ? undefined : iso(r.until),
    revokedAt: r.revoked === undefined ? undefined : iso(r.revoked),
    grantedBy: 'urn:kopir:officer:test',
    grantedAt: '2026-01-01T00:00:00Z',
  }));

function federation(rules: readonly Omit<PolicyRuleSource, 'id'>[]): PolicySource {
  return {
    agencies: [{ systems: CLIENTS.map((id) => ({ id })) }],
    groups: Object.entries(GROUPS).map(([id, members]) => ({ id, members })),
    services: SERVICES.map((id) => ({ id, fields: FIELDS.map((name) => ({ name })) })),
    rules: rules.map((r, i) => ({ ...r, id: `r${i}` })),
  };
}

const requestArb = fc.record({
  client: fc.constantFrom(...CLIENTS),
  service: fc.constantFrom(...SERVICES),
  purpose: fc.constantFrom(...PURPOSES),
  fields: fc.option(fc.subarray([...FIELDS]), { nil: undefined }),
  now: instant,
});

type Request = { client: string; service: string; purpose: string; fields: string[] | undefined; now: number };

/** The specification, written the slow and obvious way: does any rule allow this request? */
function someRuleAllows(rules: readonly PolicyRuleSource[], q: Request): boolean {
  return rules.some((r) => covers(r, q.client) && r.service === q.service && inForce(r, q.now) && permits(r, q));
}

function covers(r: PolicyRuleSource, client: string): boolean {
  if (r.client !== undefined) return r.client === client;
  return (GROUPS[r.clientGroup as keyof typeof GROUPS] as readonly string[]).includes(client);
}

function inForce(r: PolicyRuleSource, now: number): boolean {
  const from = r.validFrom === undefined ? -Infinity : Date.parse(r.validFrom);
  const until = r.validUntil === undefined ? Infinity : Date.parse(r.validUntil);
  const revoked = r.revokedAt === undefined ? Infinity : Date.parse(r.revokedAt);
  return from <= now && now < until && now < revoked;
}

function permits(r: PolicyRuleSource, q: Request): boolean {
  return r.purposes.some((p) => p.code === q.purpose) && (q.fields ?? []).every((f) => r.fields.includes(f));
}

describe('access policy properties', () => {
  it('allows exactly when some rule allows, and otherwise denies (deny by default)', () => {
    fc.assert(
      fc.property(fc.array(ruleArb, { maxLength: 12 }), fc.array(requestArb, { maxLength: 30 }), (rules, requests) => {
        const source = federation(rules);
        const policy = compilePolicy(source);
        for (const q of requests) {
          const decision = policy.decide(q.client, q.service, q.purpose, q.fields, q.now);
          expect(decision.allowed).toBe(someRuleAllows(source.rules, q));
        }
      }),
    );
  });

  it('never returns a field mask wider than the allowing rule or the request', () => {
    fc.assert(
      fc.property(
        fc.array(ruleArb, { minLength: 1, maxLength: 12 }),
        fc.array(requestArb, { maxLength: 30 }),
        (rules, requests) => {
          const policy = compilePolicy(federation(rules));
          for (const q of requests) {
            const decision = policy.decide(q.client, q.service, q.purpose, q.fields, q.now);
            if (!decision.allowed) continue;
            expect(covers(decision.rule, q.client)).toBe(true);
            expect(decision.rule.service).toBe(q.service);
            for (const field of decision.fields) {
              expect(decision.rule.fields).toContain(field);
              if (q.fields !== undefined) expect(q.fields).toContain(field);
            }
          }
        },
      ),
    );
  });

  it('denies whenever every rule is revoked or expired at the time of the request', () => {
    fc.assert(
      fc.property(fc.array(ruleArb, { minLength: 1, maxLength: 12 }), requestArb, (rules, q) => {
        const ended = rules.map((r, i) =>
          i % 2 === 0 ? { ...r, revokedAt: iso(q.now - (i + 1)) } : { ...r, validUntil: iso(q.now - i) },
        );
        const decision = compilePolicy(federation(ended)).decide(q.client, q.service, q.purpose, q.fields, q.now);
        expect(decision.allowed).toBe(false);
        if (!decision.allowed && decision.rule !== undefined) {
          expect(['rule_expired', 'rule_revoked']).toContain(decision.reason);
        }
      }),
    );
  });

  it('never exceeds the rate limit or the daily quota under concurrent callers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          perSecond: fc.integer({ min: 1, max: 50 }),
          burst: fc.integer({ min: 1, max: 20 }),
          daily: fc.integer({ min: 1, max: 60 }),
          callers: fc.integer({ min: 2, max: 8 }),
          // Gaps between calls in ms; a few negative ones model a clock stepping back.
          steps: fc.array(fc.integer({ min: -50, max: 400 }), { minLength: 1, maxLength: 200 }),
        }),
        async ({ perSecond, burst, daily, callers, steps }) => {
          const policy = compilePolicy(
            federation([
              {
                client: 'psc/front-office',
                service: SERVICES[0],
                purposes: [{ code: 'driving-licence-issue', legalBasis: 'b' }],
                fields: ['iin'],
                rateLimit: { perSecond, burst },
                dailyQuota: daily,
                grantedBy: 'o',
                grantedAt: '2026-01-01T00:00:00Z',
              },
            ]),
          );
          let clock = EPOCH + 3 * 3600_000;
          let next = 0;
          const allowedAt: number[] = [];
          // Several async callers interleave at every await, as concurrent HTTP requests do in one gateway.
          const caller = async () => {
            while (next < steps.length) {
              clock += steps[next++] as number;
              await Promise.resolve();
              const decision = policy.decide(
                'psc/front-office',
                SERVICES[0],
                'driving-licence-issue',
                undefined,
                clock,
              );
              if (decision.allowed) allowedAt.push(clock);
              else expect(decision.retryAfterSeconds).toBeGreaterThanOrEqual(1);
              await new Promise((resolve) => setImmediate(resolve));
            }
          };
          await Promise.all(Array.from({ length: callers }, caller));
          const byDay = new Map<number, number>();
          for (const t of allowedAt) {
            const day = Math.floor((t + 5 * 3600_000) / DAY);
            byDay.set(day, (byDay.get(day) ?? 0) + 1);
          }
          for (const count of byDay.values()) expect(count).toBeLessThanOrEqual(daily);
          // Token bucket bound (RFC 2697's committed burst): any window [a, b] admits at most burst + rate·(b − a).
          const sorted = [...allowedAt].sort((a, b) => a - b);
          for (let i = 0; i < sorted.length; i++) {
            for (let j = i; j < sorted.length; j++) {
              const window = ((sorted[j] as number) - (sorted[i] as number)) / 1000;
              expect(j - i + 1).toBeLessThanOrEqual(burst + perSecond * window + 1e-9);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
