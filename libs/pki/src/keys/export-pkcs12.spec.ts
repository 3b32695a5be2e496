import { generateKeyPairSync, type X509Certificate } from 'node:crypto';
import type { SystemId } from '@kopir/contracts';
import { createSecureContext } from 'node:tls';
import { createIssuingCa, createRootCa, exportPkcs12, generateKeyPair, issueCertificate } from '../index';

describe('exportPkcs12', () => {
  let leaf: X509Certificate;
  let chain: X509Certificate[];
  let privateKey: ReturnType<typeof generateKeyPair>['privateKey'];

  beforeAll(async () => {
    const root = await createRootCa({ subject: 'CN=P12 Test Root' });
    const issuing = await createIssuingCa(root, { subject: 'CN=P12 Test Issuing' });
    const pair = generateKeyPair('P-256');
    privateKey = pair.privateKey;
    const issued = await issueCertificate(issuing, pair.publicKey, {
      kind: 'system-tls',
      system: 'psc/front-office' as SystemId,
    });
    leaf = issued.certificate;
    chain = [leaf, issuing.certificate, root.certificate];
  });

  it('makes a keystore of an ECDSA P-256 key that Node TLS loads with the password, and refuses a wrong one', () => {
    const pfx = exportPkcs12({ privateKey, certificates: chain, password: 'correct horse' });
    expect(() => createSecureContext({ pfx, passphrase: 'correct horse' })).not.toThrow();
    expect(() => createSecureContext({ pfx, passphrase: 'wrong horse' })).toThrow(/mac verify failure/i);
    expect(() => createSecureContext({ pfx })).toThrow();
  });

  it('uses a fresh salt each time (two exports of the same key differ)', () => {
    const a = exportPkcs12({ privateKey, certificates: chain, password: 'pw' });
    const b = exportPkcs12({ privateKey, certificates: chain, password: 'pw' });
    expect(a.equals(b)).toBe(false);
  });

  it('refuses a key that does not belong to the leaf, no certificate, and an empty password', () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const invalid = expect.objectContaining({ code: 'request_invalid' });
    expect(() => exportPkcs12({ privateKey: other, certificates: chain, password: 'pw' })).toThrow(invalid);
    expect(() => exportPkcs12({ privateKey, certificates: [], password: 'pw' })).toThrow(invalid);
    expect(() => exportPkcs12({ privateKey, certificates: chain, password: '' })).toThrow(invalid);
    // The issuing CA's certificate first (the wrong order) does not match the key either.
    expect(() =>
      exportPkcs12({ privateKey, certificates: [chain[1] as X509Certificate, leaf], password: 'pw' }),
    ).toThrow(invalid);
  });
});
