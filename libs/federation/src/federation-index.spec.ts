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
