import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PkiDirectory } from '@kopir/pki';
import { startAuditService, type RunningAuditService } from '../../apps/audit/src/start-audit';
import { auditPki, auditServiceOptions, get } from './audit-fixture';

jest.setTimeout(60_000);

/**
 * docs/officers.md: "revoking the certificate (CRL) stops the TLS handshake itself". The audit service read its CRL
 * once, at start, so a revoked officer kept reading the whole ledger until a restart. It now reloads the CRL when the
 * file changes, as the gateway does.
 */
describe('audit service: an officer certificate revoked while it runs', () => {
  let dir: string;
  let service: RunningAuditService;
  let pki: Awaited<ReturnType<typeof auditPki>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kopir-audit-revoke-'));
    pki = await auditPki(join(dir, 'pki'));
    service = await startAuditService(auditServiceOptions(dir, pki, { citizenPortals: [] }));
  });

  afterAll(async () => {
    await service?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses the revoked officer within seconds, and still serves the others', async () => {
    const latest = '/v1/checkpoints/latest';
    expect((await get(service.port, latest, pki.paths.officer('auditor'), pki.paths.chain)).status).toBe(200);

    const revoked = await PkiDirectory.open(join(dir, 'pki')).revoke('auditor', { reason: 'keyCompromise' });
    expect(revoked.length).toBeGreaterThan(0);
    // The CRL file is polled every second.
    let refused = false;
    for (let attempt = 0; attempt < 40 && !refused; attempt++) {
      await new Promise((r) => setTimeout(r, 250));
      // A new connection fails its handshake; one kept alive from before gets 401 client_certificate_invalid.
      refused = await get(service.port, latest, pki.paths.officer('auditor'), pki.paths.chain).then(
        (answer) => answer.status === 401 && answer.body.includes('client_certificate_invalid'),
        () => true,
      );
    }
    expect(refused).toBe(true);
    expect((await get(service.port, latest, pki.paths.officer('officer'), pki.paths.chain)).status).toBe(200);
  });
});
