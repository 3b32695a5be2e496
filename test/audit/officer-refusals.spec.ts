/**
 * Every officer-API call is on the record, refused ones too; but a certificate that is refused (any system of the
 * intranet CA can complete the TLS handshake) must not be able to make the audit service write, and fsync, one ledger
 * event per call without end. Its refusals are recorded one by one up to a per-caller burst, then answered 429 with
 * Retry-After and recorded as a count. Officers are never limited by someone else's refusals.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAuditService, type RunningAuditService } from '../../apps/audit/src/start-audit';
import { auditPki, auditServiceOptions, get } from './audit-fixture';

describe('audit service: refused officer-API calls', () => {
  let dir: string;
  let pki: Awaited<ReturnType<typeof auditPki>>;
  let service: RunningAuditService;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kopir-audit-refusals-'));
    pki = await auditPki(join(dir, 'pki'));
    service = await startAuditService(
      auditServiceOptions(dir, pki, {
        officerRefusals: { limits: { perSecond: 0.5, burst: 5, maxCallers: 100 }, summaryIntervalMs: 100 },
      }),
    );
  });

  afterAll(async () => {
    await service?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records a burst of refusals one by one, answers the rest 429 with Retry-After, and records their count', async () => {
    const system = pki.paths.system('psc/front-office').tls;
    const answers = [];
    for (let i = 0; i < 12; i++) answers.push(await get(service.port, '/v1/events', system, pki.paths.chain));
    expect(answers.slice(0, 5).map((a) => a.status)).toEqual([403, 403, 403, 403, 403]);
    expect(answers.slice(5).map((a) => a.status)).toEqual(Array(7).fill(429));
    const limited = answers[11];
    expect(JSON.parse(limited?.body ?? '{}')).toMatchObject({ code: 'rate_limited', status: 429 });
    expect(limited?.type).toMatch(/^application\/problem\+json/);
    expect(Number(limited?.retryAfter)).toBeGreaterThanOrEqual(1);

    // An officer is not limited by another caller's refusals.
    const officer = await get(service.port, '/v1/events?limit=1', pki.paths.officer('officer'), pki.paths.chain);
    expect(officer.status).toBe(200);

    // On the record: five refusals one by one, and the other seven as counts (one record per summary round).
    const deadline = Date.now() + 10_000;
    let counted = 0;
    let records: { service: string; status: number; reason: string; errorCode: string | null }[] = [];
    while (counted < 7 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      records = service.ledger.ledger
        .search({ kind: 'officer-query', client: 'psc/front-office', limit: 100 })
        .entries.map((e) => e.event);
      counted = records
        .filter((r) => r.service === 'audit:refused-calls')
        .reduce((sum, r) => sum + Number(/^rate_limited: (\d+) refused calls/.exec(r.reason)?.[1] ?? 0), 0);
    }
    expect(counted).toBe(7);
    const oneByOne = records.filter((r) => r.service === 'audit:search');
    expect(oneByOne).toHaveLength(5);
    expect(oneByOne.every((r) => r.status === 403 && r.errorCode === 'access_denied')).toBe(true);
    expect(
      records
        .filter((r) => r.service === 'audit:refused-calls')
        .every((r) => r.status === 429 && r.errorCode === 'rate_limited'),
    ).toBe(true);
  });
});
