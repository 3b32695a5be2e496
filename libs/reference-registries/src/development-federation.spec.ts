import { compilePolicy } from '@kopir/access-policy';
import { checkFederation, pathText, type FederationDocument } from '@kopir/federation';
import { generateKeyPair, publicKeyToJwk } from '@kopir/pki';
import { DEVELOPMENT_DENIALS, DEVELOPMENT_SERVICES, developmentFederation } from './development-federation';
import { REFERENCE_SERVICES, referenceServiceDefinition } from './services';

const NOW = new Date('2026-06-01T10:00:00Z');
const document = developmentFederation(NOW);
const policy = compilePolicy(document);
const now = NOW.getTime();

/** What `federation init` fills in from the PKI: here only the encryption keys, which validity depends on. */
function withEncryptionKeys(doc: FederationDocument): FederationDocument {
  const key = () => publicKeyToJwk(generateKeyPair('P-256').publicKey);
  return {
    ...doc,
    agencies: doc.agencies.map((a) => ({ ...a, systems: a.systems.map((s) => ({ ...s, encryptionKey: key() })) })),
  };
}

describe('development federation', () => {
  it('is a valid federation document once the PKI keys are in (every rule names fields its service returns)', () => {
    expect(checkFederation(withEncryptionKeys(document)).map((p) => `${pathText(p.path)}: ${p.message}`)).toEqual([]);
  });

  it('requires encrypted bodies of every registry, so it is invalid without their keys (gateways need none)', () => {
    const providers = new Set(document.services.map((s) => s.id.split('/').slice(0, 2).join('/')));
    const systems = document.agencies.flatMap((a) => a.systems);
    expect(systems.filter((s) => s.encryptBodies === true).map((s) => s.id)).toEqual([...providers]);
    expect(checkFederation(document).map((p) => pathText(p.path))).toEqual([
      'agencies[1].systems[0].encryptBodies',
      'agencies[2].systems[0].encryptBodies',
      'agencies[3].systems[0].encryptBodies',
    ]);
  });

  it('lists exactly the reference registries’ own service definitions', () => {
    expect(document.services).toEqual(Object.values(REFERENCE_SERVICES).map(referenceServiceDefinition));
    expect(DEVELOPMENT_SERVICES.map((s) => s.id)).toEqual(Object.keys(REFERENCE_SERVICES));
  });

  it('grants only fields its services declare, each rule field once', () => {
    const fields = new Map(document.services.map((s) => [s.id, new Set(s.fields.map((f) => f.name))]));
    for (const rule of document.rules) {
      const declared = fields.get(rule.service);
      expect(declared).toBeDefined();
      expect(rule.fields.filter((f) => !declared?.has(f))).toEqual([]);
      expect(new Set(rule.fields).size).toBe(rule.fields.length);
    }
  });

  it('lets psc/front-office read a person for a driving licence, without the place of birth or date of death', () => {
    const decision = policy.decide(
      'psc/front-office',
      'mju/population/person-by-iin',
      'driving-licence-issue',
      undefined,
      now,
    );
    expect(decision.allowed).toBe(true);
    if (!decision.allowed) return;
    expect(decision.fields).toEqual(expect.arrayContaining(['iin', 'lastName', 'firstName', 'birthDate', 'deceased']));
    expect(decision.fields).not.toContain('birthPlace');
    expect(decision.fields).not.toContain('deathDate');
  });

  it('never grants a field marked sensitive to the public service centres, except the tax total they certify', () => {
    const sensitive = new Map(
      document.services.map((s) => [s.id, s.fields.filter((f) => f.sensitivity === 'sensitive').map((f) => f.name)]),
    );
    const granted = document.rules
      .filter((r) => (r.client === 'psc/front-office' || r.clientGroup === 'psc-offices') && r.revokedAt === undefined)
      .filter((r) => r.validUntil === undefined || Date.parse(r.validUntil) > now)
      .flatMap((r) => r.fields.filter((f) => sensitive.get(r.service)?.includes(f)).map((f) => `${r.service}.${f}`));
    expect(granted).toEqual(['src/tax/tax-debts.totalDebt']);
  });

  it.each(DEVELOPMENT_DENIALS)('denies $client → $service for $purpose with $reason', (denial) => {
    const decision = policy.explain(denial.client, denial.service, denial.purpose, denial.fields, now);
    expect(decision.reason).toBe(denial.reason);
  });

  it('names, in every field denial, a field the service really returns', () => {
    const fields = new Map(document.services.map((s) => [s.id, s.fields.map((f) => f.name)]));
    for (const denial of DEVELOPMENT_DENIALS) {
      expect(fields.get(denial.service)).toEqual(expect.arrayContaining([...(denial.fields ?? [])]));
    }
  });
});
