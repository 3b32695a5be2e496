import { createCrl, createIssuingCa, createRootCa, readCrls } from '../index';

/**
 * readCrls picks a CRL's issuer by key, not by name alone: after an issuing CA is rotated under the same DN, chain.pem
 * holds both (certs/README.md), and each one's CRL must verify against its own key.
 */
describe('readCrls with two issuing CAs of the same name', () => {
  const subject = 'CN=Issuing CA, O=Kopir Test';

  it("accepts the new CA's CRL whichever order the CAs come in, and the old CA's too", async () => {
    const root = await createRootCa({ subject: 'CN=Root, O=Kopir Test' });
    const oldCa = await createIssuingCa(root, { subject });
    const newCa = await createIssuingCa(root, { subject });
    const newCrl = await createCrl(newCa, [{ serial: '0a1b', revokedAt: new Date() }], { crlNumber: 2 });
    const oldCrl = await createCrl(oldCa, [{ serial: '0c2d', revokedAt: new Date() }], { crlNumber: 7 });

    for (const issuers of [
      [root.certificate, oldCa.certificate, newCa.certificate],
      [root.certificate, newCa.certificate, oldCa.certificate],
    ]) {
      expect([...(await readCrls(newCrl, issuers)).revoked]).toEqual(['0a1b']);
      expect([...(await readCrls(`${oldCrl}${newCrl}`, issuers)).revoked].sort()).toEqual(['0a1b', '0c2d']);
    }
  });

  it('still refuses a CRL that no CA of that name signed', async () => {
    const root = await createRootCa({ subject: 'CN=Root, O=Kopir Test' });
    const oldCa = await createIssuingCa(root, { subject });
    const newCa = await createIssuingCa(root, { subject });
    const stranger = await createIssuingCa(root, { subject });
    const forged = await createCrl(stranger, [], { crlNumber: 99 });
    await expect(readCrls(forged, [root.certificate, oldCa.certificate, newCa.certificate])).rejects.toMatchObject({
      code: 'request_invalid',
      message: `CRL of ${subject} has a bad signature`,
    });
  });
});
