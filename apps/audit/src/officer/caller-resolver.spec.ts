import type { TLSSocket } from 'node:tls';
import type { Officer, SystemDefinition } from '@kopir/federation';
import type { PeerIdentity } from '@kopir/pki';
import { CallerResolver } from './caller-resolver';

const PORTAL = 'egov/citizen-portal';
const PINNED = 'ab'.repeat(32);
const OTHER = 'cd'.repeat(32);
const officers: readonly Officer[] = [
  {
    id: 'alice',
    name: 'Alice',
    agency: 'audit',
    certificateIdentity: 'urn:kopir:officer:alice',
    certificateSha256: PINNED,
    roles: ['auditor'],
  },
];
const portalSystem: SystemDefinition = { id: PORTAL, name: 'Citizen portal', tlsCertificateSha256: PINNED };

const pinnedPortal = (sha256: string): SystemDefinition | undefined => (sha256 === PINNED ? portalSystem : undefined);

/** Resolves a connection whose verified certificate TrustStore.identify reports as `identity`. */
function resolveWith(systems: ((sha256: string) => SystemDefinition | undefined) | undefined, identity: PeerIdentity) {
  const resolver = new CallerResolver({ identify: () => identity }, () => officers, new Set([PORTAL]), systems);
  return resolver.resolve({} as TLSSocket);
}

const resolve = (identity: PeerIdentity) => resolveWith(pinnedPortal, identity);

const portal = (fingerprint: string): PeerIdentity => ({ kind: 'system', system: PORTAL, fingerprint }) as PeerIdentity;

describe('CallerResolver: citizen portals', () => {
  it('accepts the portal on the certificate the federation pins for it', () => {
    expect(resolve(portal(PINNED))).toEqual({ kind: 'portal', system: PORTAL, label: PORTAL });
    // Fingerprints in openssl's notation (colons, upper case) are the same certificate.
    expect(resolve(portal(PINNED.toUpperCase().replace(/(..)(?!$)/g, '$1:'))).kind).toBe('portal');
  });

  it('refuses another CA certificate naming the portal (not the pinned one), as an unknown caller: 403', () => {
    const caller = resolve(portal(OTHER));
    expect(caller.kind).toBe('refused');
    if (caller.kind !== 'refused') return;
    expect(caller.error.code).toBe('access_denied');
    expect(caller.error.status).toBe(403);
    expect(caller.label).toBe(PORTAL);
  });

  it('refuses a portal the federation does not define, or pins for another system', () => {
    expect(resolveWith(() => undefined, portal(PINNED)).kind).toBe('refused');
    expect(resolveWith(() => ({ id: 'psc/front-office', name: 'Front office' }), portal(PINNED)).kind).toBe('refused');
  });

  it('refuses every portal when it has no federation lookup (fails closed)', () => {
    expect(resolveWith(undefined, portal(PINNED)).kind).toBe('refused');
  });

  it('still refuses systems that are not citizen portals, even on their pinned certificate', () => {
    const caller = resolveWith(() => ({ id: 'psc/front-office', name: 'Front office' }), {
      kind: 'system',
      system: 'psc/front-office',
      fingerprint: PINNED,
    } as PeerIdentity);
    expect(caller.kind).toBe('refused');
  });

  it('keeps pinning officers', () => {
    const officer = (fingerprint: string): PeerIdentity =>
      ({ kind: 'officer', officer: 'alice', fingerprint }) as PeerIdentity;
    expect(resolve(officer(PINNED)).kind).toBe('officer');
    expect(resolve(officer(OTHER)).kind).toBe('refused');
  });
});
