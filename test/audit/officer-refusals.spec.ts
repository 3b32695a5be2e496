/**
 * Every officer-API call is on the record, refused ones too; but a certificate that is refused (any system of the
 * intranet CA can complete the TLS handshake) must not be able to make the audit service write, and fsync, one ledger
 * event per call without end. Its refusals are recorded one by one up to a per-caller burst, then answered 429 with
 * Retry-After and recorded as a count. Officers are never limited by someone else's refusals.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteLedger } from '@kopir/audit-log';
import { startAuditService, type RunningAuditService } from '../../apps/audit/src/start-audit';
import { auditPki, auditServiceOptions, get } from './audit-fixture';
import { TS_REGISTER } from './ts-worker';

const REGISTER = `${TS_REGISTER}\nprocess.argv.splice(1, 0, '-');\nrequire(process.argv[2]);\n`;

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
    // The reason of the refusal is still said.
    expect((JSON.parse(limited?.body ?? '{}') as { detail: string }).detail).toContain(
      'Systems may not read the audit log',
    );
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

  it('writes the counts still held when the service is stopped (SIGTERM, as main.ts stops it)', async () => {
    const stopDir = mkdtempSync(join(tmpdir(), 'kopir-audit-stop-'));
    try {
      const child = spawn(
        process.execPath,
        [
          '-e',
          REGISTER,
          join(__dirname, 'stop-child.ts'),
          JSON.stringify({ dir: stopDir, pki: pki.paths.root, server: pki.server }),
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const match = /port (\d+)/.exec(out);
          if (match) resolve(Number(match[1]));
        });
        void exited.then((code) => reject(new Error(`the audit service exited with ${code}`)));
      });
      // The default limits: 20 refusals one by one, the next 5 counted.
      const system = pki.paths.system('psc/front-office').tls;
      const statuses = [];
      for (let i = 0; i < 25; i++) statuses.push((await get(port, '/v1/events', system, pki.paths.chain)).status);
      expect(statuses.filter((s) => s === 429)).toHaveLength(5);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const ledger = SqliteLedger.openReadOnly(join(stopDir, 'audit', 'ledger.db'));
      try {
        const counted = ledger
          .search({ kind: 'officer-query', client: 'psc/front-office', service: 'audit:refused-calls', limit: 10 })
          .entries.map((e) => e.event.reason);
        expect(counted).toEqual([expect.stringMatching(/^rate_limited: 5 refused calls from /)]);
      } finally {
        ledger.close();
      }
    } finally {
      rmSync(stopDir, { recursive: true, force: true });
    }
  });
});
