import type { CrlInfo } from '../ca/read-crl';
import { crlRollback, raiseCrlFloor } from './crl-floor';

/** The floor rules on their own; test/pki/crl-rollback.spec.ts shows them keeping a revocation in a TLS server. */
describe('crlRollback', () => {
  const crl = (crlNumber: bigint | undefined, thisUpdate: string, digest: string, issuerKey = 'k1'): CrlInfo => ({
    issuer: 'CN=CA',
    issuerKey,
    crlNumber,
    thisUpdate: new Date(thisUpdate),
    digest,
  });
  const floor = raiseCrlFloor(new Map(), [crl(5n, '2026-01-02T00:00:00Z', 'd5')]);

  it('accepts a higher number, or the same CRL again, from the same CA; and any CRL of another CA', () => {
    expect(crlRollback(floor, [crl(6n, '2026-01-01T00:00:00Z', 'd6')])).toBeUndefined();
    expect(crlRollback(floor, [crl(5n, '2026-01-02T00:00:00Z', 'd5')])).toBeUndefined();
    expect(crlRollback(floor, [crl(1n, '2025-01-01T00:00:00Z', 'x', 'k2')])).toBeUndefined();
  });

  it('refuses a lower number, the same number with other content, or a CRL that drops the number', () => {
    expect(crlRollback(floor, [crl(4n, '2026-02-01T00:00:00Z', 'd4')])).toContain('(cRLNumber 4 < 5)');
    expect(crlRollback(floor, [crl(5n, '2026-01-02T00:00:00Z', 'other')])).toContain('under the cRLNumber');
    expect(crlRollback(floor, [crl(undefined, '2026-03-01T00:00:00Z', 'n')])).toContain('(no cRLNumber, accepted 5)');
  });

  it('orders CRLs without a cRLNumber by thisUpdate', () => {
    const dated = raiseCrlFloor(new Map(), [crl(undefined, '2026-01-02T00:00:00Z', 'a')]);
    expect(crlRollback(dated, [crl(undefined, '2026-01-03T00:00:00Z', 'b')])).toBeUndefined();
    expect(crlRollback(dated, [crl(undefined, '2026-01-01T00:00:00Z', 'c')])).toContain('older CRL');
    expect(crlRollback(dated, [crl(undefined, '2026-01-02T00:00:00Z', 'd')])).toContain('with the thisUpdate');
  });

  it('refuses two CRLs of one CA in a file, and a file without a CA whose CRL is in force', () => {
    const two = [crl(6n, '2026-01-03T00:00:00Z', 'd6'), crl(7n, '2026-01-04T00:00:00Z', 'd7')];
    expect(crlRollback(floor, two)).toContain('two CRLs of CN=CA');
    expect(crlRollback(floor, [crl(1n, '2026-01-01T00:00:00Z', 'x', 'k2')], ['k1'])).toBe(
      'no CRL of CN=CA, which the CRL in force has',
    );
  });
});
