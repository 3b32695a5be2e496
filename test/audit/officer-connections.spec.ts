import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAuditService, type RunningAuditService } from '../../apps/audit/src/start-audit';
import { idleConnection } from '../gateway/idle-connection';
import { auditPki, auditServiceOptions, get } from './audit-fixture';

jest.setTimeout(60_000);

/**
 * The officer API against a host that opens TCP connections and never starts TLS: each is dropped once the handshake
 * timeout passes (here 500 ms; Node's default of 120 s let them pile up), and officers are served meanwhile. (The per-address cap is the gateway's function,
 * tested in test/gateway/limits.spec.ts.)
 */
describe('audit service: connections that never complete a handshake', () => {
  let dir: string;
  let service: RunningAuditService;
  let pki: Awaited<ReturnType<typeof auditPki>>;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kopir-audit-conn-'));
    pki = await auditPki(join(dir, 'pki'));
    service = await startAuditService(auditServiceOptions(dir, pki, { citizenPortals: [], handshakeTimeoutMs: 500 }));
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await service?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** An idle connection from `from` to the officer API, closed after the test. */
  async function idle(from: string): Promise<{ closed: Promise<string> }> {
    const idle = await idleConnection(service.port, from);
    sockets.push(idle.socket);
    return idle;
  }

  it('drops silent connections after the handshake timeout, and serves officers meanwhile', async () => {
    const silent = await Promise.all([idle('127.0.0.2'), idle('127.0.0.2'), idle('127.0.0.3')]);
    expect(
      (await get(service.port, '/v1/checkpoints/latest', pki.paths.officer('officer'), pki.paths.chain)).status,
    ).toBe(200);
    // Every silent one is closed by the service (the test's own timeout is the limit), none with a byte of TLS.
    expect(await Promise.all(silent.map((s) => s.closed))).toEqual(['', '', '']);
  });
});
