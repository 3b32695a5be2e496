import { generateSigningKey, publicKeyToJwk } from '@kopir/pki';
import { sampleFederation } from './sample-federation.fixture';
import type { FederationDocument } from './federation-document';
import { FederationIndex } from './federation-index';
import { checkFederation, pathText } from './validate-federation';

const front = generateSigningKey('ES256');
const tax = generateSigningKey('ES256');
const FINGERPRINT = 'ab'.repeat(32);

function withKeys(): FederationDocument {
  const doc = sampleFederation(new Date('2026-06-01T10:00:00Z'));
  return {
    ...doc,
    agencies: doc.agencies.map((agency) => ({
      ...agency,
      systems: agency.systems.map((system) =>
        system.id === 'psc/front-office'
          ? { ...system, tlsCertificateSha256: FINGERPRINT, signingKeys: [publicKeyToJwk(front.publicKey)] }
          : system.id === 'src/tax'
            ? { ...system, signingKeys: [publicKeyToJwk(tax.publicKey)] }
            : system,
      ),
    })),
    officers: doc.officers.map((o) => (o.id === 'auditor' ? { ...o, certificateSha256: FINGERPRINT } : o)),
  };
}

describe('FederationIndex', () => {
  const doc = withKeys();
  const index = new FederationIndex(doc);

  it('finds a system by its TLS certificate fingerprint, and nothing for an unknown certificate', () => {
    expect(index.systemByTlsFingerprint(FINGERPRINT.toUpperCase())?.id).toBe('psc/front-office');
    expect(index.systemByTlsFingerprint('cd'.repeat(32))).toBeUndefined();
  });

  it("resolves a system's signing key by kid, but never another system's key", () => {
    const frontKid = publicKeyToJwk(front.publicKey).kid;
    const taxKid = publicKeyToJwk(tax.publicKey).kid;
    expect(index.signingKey('psc/front-office', frontKid)?.equals(front.publicKey)).toBe(true);
    expect(index.signingKey('psc/front-office', taxKid)).toBeUndefined();
    expect(index.signingKey('mju/population', frontKid)).toBeUndefined();
  });

  it('maps an officer certificate identity to its roles, honouring a pinned certificate', () => {
    expect(index.officer('urn:kopir:officer:officer')?.roles).toEqual(['security-officer']);
    expect(index.officer('urn:kopir:officer:auditor', FINGERPRINT)?.roles).toEqual(['auditor']);
    expect(index.officer('urn:kopir:officer:auditor', 'cd'.repeat(32))).toBeUndefined();
    expect(index.officer('urn:kopir:officer:auditor')).toBeUndefined();
    expect(index.officer('urn:kopir:system:psc/front-office')).toBeUndefined();
  });

  it("refuses a signing key whose kid is not its own thumbprint (one system's kid on another's key)", () => {
    const frontJwk = publicKeyToJwk(front.publicKey);
    const taxJwk = publicKeyToJwk(tax.publicKey);
    const bad = {
      ...doc,
      agencies: doc.agencies.map((agency) => ({
        ...agency,
        systems: agency.systems.map((s) =>
          s.id === 'src/tax' ? { ...s, signingKeys: [{ ...taxJwk, kid: frontJwk.kid }] } : s,
        ),
      })),
    };
    const problems = checkFederation(bad).map((p) => `${pathText(p.path)}: ${p.message}`);
    expect(problems).toEqual([expect.stringMatching(/^agencies\[3\]\.systems\[0\]\.signingKeys\[0\]\.kid: must be/)]);
  });
});

describe('FederationIndex gateways', () => {
  const gateway = generateSigningKey('ES256');
  const front = generateSigningKey('ES256');
  const base = sampleFederation(new Date('2026-06-01T10:00:00Z'));
  const doc: FederationDocument = {
    ...base,
    gateways: [{ id: 'gateway', name: 'Gateway', signingKeys: [publicKeyToJwk(gateway.publicKey)] }],
    agencies: base.agencies.map((agency) => ({
      ...agency,
      systems: agency.systems.map((s) =>
        s.id === 'psc/front-office' ? { ...s, signingKeys: [publicKeyToJwk(front.publicKey)] } : s,
      ),
    })),
  };

  it("resolves a gateway's envelope key by kid, and never a system's key as a gateway's", () => {
    const index = new FederationIndex(doc);
    expect(index.gatewayKey(publicKeyToJwk(gateway.publicKey).kid)?.equals(gateway.publicKey)).toBe(true);
    expect(index.gatewayKey(publicKeyToJwk(front.publicKey).kid)).toBeUndefined();
  });

  it('refuses a gateway key whose kid is not its thumbprint, and a gateway listed twice', () => {
    const jwk = { ...publicKeyToJwk(gateway.publicKey), kid: publicKeyToJwk(front.publicKey).kid };
    const bad: FederationDocument = {
      ...doc,
      gateways: [
        { id: 'gateway', name: 'Gateway', signingKeys: [jwk] },
        { id: 'gateway', name: 'Again', signingKeys: [] },
      ],
    };
    const problems = checkFederation(bad).map((p) => pathText(p.path));
    expect(problems).toEqual(expect.arrayContaining(['gateways[0].signingKeys[0].kid', 'gateways[1].id']));
  });
});

describe('encrypted bodies in the federation', () => {
  const gateway = generateSigningKey('ES256');
  const population = generateSigningKey('ES256');
  const populationEncryption = generateSigningKey('ES256');
  const base = sampleFederation(new Date('2026-06-01T10:00:00Z'));
  const jwk = (pair: { publicKey: import('node:crypto').KeyObject }) => publicKeyToJwk(pair.publicKey);
  /** person-by-iin (services[0], provider mju/population = agencies[1].systems[0]) requires encryption. */
  function document(
    change: { system?: object; service?: object; gateway?: object } = {},
    flag: 'service' | 'system' = 'service',
  ): FederationDocument {
    return {
      ...base,
      gateways: [{ id: 'gateway', name: 'Gateway', signingKeys: [jwk(gateway)], ...change.gateway }],
      agencies: base.agencies.map((agency) => ({
        ...agency,
        systems: agency.systems.map((s) =>
          s.id === 'mju/population'
            ? {
                ...s,
                signingKeys: [jwk(population)],
                encryptionKey: jwk(populationEncryption),
                ...(flag === 'system' ? { encryptBodies: true } : {}),
                ...change.system,
              }
            : s,
        ),
      })),
      services: base.services.map((s, i) =>
        i === 0 ? { ...s, ...(flag === 'service' ? { encryptBodies: true } : {}), ...change.service } : s,
      ),
    };
  }
  const problems = (doc: FederationDocument) => checkFederation(doc).map((p) => `${pathText(p.path)}: ${p.message}`);

  it("is valid with the provider's key; the index says which services are encrypted and to which key", () => {
    for (const flag of ['service', 'system'] as const) {
      const doc = document({}, flag);
      expect(problems(doc)).toEqual([]);
      const index = new FederationIndex(doc);
      expect(index.encryptsBodies('mju/population/person-by-iin')).toBe(true);
      expect(index.encryptsBodies('mju/population/address-history')).toBe(flag === 'system');
      expect(index.encryptsBodies('src/tax/tax-debts')).toBe(false);
      expect(index.encryptionKey('mju/population')?.key.equals(populationEncryption.publicKey)).toBe(true);
      expect(index.encryptionKey('mju/population')?.kid).toBe(jwk(populationEncryption).kid);
      expect(index.encryptionKey('src/tax')).toBeUndefined();
    }
  });

  it('refuses a service that requires encryption when its provider publishes no key, naming both', () => {
    expect(problems(document({ system: { encryptionKey: undefined } }))).toEqual([
      'services[0].encryptBodies: service mju/population/person-by-iin requires encrypted bodies but its provider mju/population publishes no encryptionKey',
    ]);
    expect(problems(document({ system: { encryptionKey: undefined } }, 'system'))).toEqual([
      'agencies[1].systems[0].encryptBodies: system mju/population requires encrypted bodies but publishes no encryptionKey',
    ]);
  });

  it('needs no gateway key, and still loads a document signed when gateways published one (ignored)', () => {
    // Answers come back under a key derived from the request's key agreement, so gateways publish none.
    expect(problems(document())).toEqual([]);
    const older = document({ gateway: { encryptionKey: jwk(generateSigningKey('ES256')) } });
    expect(problems(older)).toEqual([]);
    // Without any service requiring encryption, no key is needed anywhere.
    expect(problems(document({ system: { encryptionKey: undefined }, service: { encryptBodies: false } }))).toEqual([]);
  });

  it('refuses a signing key reused for encryption, a kid that is not the thumbprint, and a key ECDH-ES cannot use', () => {
    expect(problems(document({ system: { encryptionKey: jwk(population) } }))).toEqual([
      'agencies[1].systems[0].encryptionKey: must not be one of the signing keys',
    ]);
    expect(
      problems(document({ system: { encryptionKey: { ...jwk(populationEncryption), kid: jwk(population).kid } } })),
    ).toEqual([
      expect.stringMatching(/^agencies\[1\]\.systems\[0\]\.encryptionKey\.kid: must be the key's RFC 7638 thumbprint/),
    ]);
    const ed25519 = publicKeyToJwk(generateSigningKey('EdDSA').publicKey);
    expect(problems(document({ system: { encryptionKey: ed25519 } }))).toEqual([
      'agencies[1].systems[0].encryptionKey: must be an EC P-256 or P-384 key (ECDH-ES)',
    ]);
  });
});

describe('federation date-times', () => {
  // The access policy's compiler takes RFC 3339 with upper-case T and Z (or an offset) and real seconds only; a
  // document that passed validation with another spelling could not be applied, and kept the previous rules in force.
  it.each([
    ['a lower-case t and z', '2026-11-27t10:00:00z'],
    ['a lower-case z', '2026-11-27T10:00:00z'],
    ['a space for the T', '2026-11-27 10:00:00Z'],
    ['a leap second', '2026-12-31T23:59:60Z'],
    ['no offset', '2026-11-27T10:00:00'],
  ])('refuses %s in a rule time, naming where', (_what, time) => {
    const base = sampleFederation(new Date('2026-06-01T10:00:00Z'));
    const doc = {
      ...base,
      rules: base.rules.map((r, i) => (i === 0 ? { ...r, revokedAt: time, revokedBy: 'officer' } : r)),
    };
    const problems = checkFederation(doc).map((p) => pathText(p.path));
    expect(problems).toContain('rules[0].revokedAt');
  });

  it('accepts the spellings the policy compiles: Z, an offset, fractions of a second', () => {
    const base = sampleFederation(new Date('2026-06-01T10:00:00Z'));
    for (const time of ['2026-11-27T10:00:00Z', '2026-11-27T10:00:00+05:00', '2026-11-27T10:00:00.250Z']) {
      const doc = {
        ...base,
        rules: base.rules.map((r, i) => (i === 0 ? { ...r, revokedAt: time, revokedBy: 'officer' } : r)),
      };
      expect(checkFederation(doc)).toEqual([]);
    }
  });
});
