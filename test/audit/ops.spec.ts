/**
 * The audit service's operations port (AUDIT_OPS_PORT): liveness, readiness and Prometheus metrics for operators'
 * probes and scrapers, on plain HTTP and without a client certificate, so it must serve nothing of the ledger. The
 * alert it exists for: a kopir.audit partition stopped at an event under a gateway key the federation does not list
 * shows as kopir_audit_stalled_partitions 1, while the officer API stays ready.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { AUDIT_EVENT_TYP, AUDIT_TOPIC } from '@kopir/contracts';
import { signJson } from '@kopir/envelope';
import { startBroker, type RunningBroker } from '@kopir/kafka-broker';
import { startAuditService, type RunningAuditService } from '../../apps/audit/src/start-audit';
import { auditPki, auditServiceOptions, gatewayKeyOf, quiet, sampleEvent, signedBatch } from './audit-fixture';
import { freePort, isListening } from '../bench/free-port';

async function until(check: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The value of one unlabelled metric in a Prometheus text exposition, or undefined when absent. */
function metric(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('audit service: the operations port', () => {
  let dir: string;
  let broker: RunningBroker;
  let service: RunningAuditService;
  let producer: Producer;
  let ops: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kopir-audit-ops-'));
    const pki = await auditPki(join(dir, 'pki'));
    broker = await startBroker({ dataDir: join(dir, 'broker'), port: 0, log: () => undefined });
    const kafka = new Kafka({ brokers: [broker.address], clientId: 'audit-ops-test', logLevel: logLevel.NOTHING });
    service = await startAuditService(
      auditServiceOptions(dir, pki, {
        kafka,
        gatewayKey: gatewayKeyOf(),
        ops: { host: '127.0.0.1', port: 0 },
        logger: quiet,
      }),
    );
    ops = service.opsUrl ?? '';
    producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: AUDIT_TOPIC,
      acks: -1,
      messages: [{ value: await signedBatch(Array.from({ length: 5 }, (_, i) => sampleEvent(i))) }],
    });
    await until(() => Promise.resolve(service.ledger.ledger.size >= 5), '5 events in the ledger');
  });

  afterAll(async () => {
    await producer?.disconnect();
    await service?.close();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers liveness and readiness, with the checks it made', async () => {
    expect(ops).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${ops}/health/live`)).status).toBe(200);
    const ready = await fetch(`${ops}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { ledger: 'ok', crl: 'ok' } });
  });

  it('exports the ledger size and the stalled partitions as Prometheus metrics', async () => {
    const answer = await fetch(`${ops}/metrics`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await answer.text();
    expect(metric(text, 'kopir_audit_ledger_events')).toBe(5);
    expect(metric(text, 'kopir_audit_stalled_partitions')).toBe(0);
    expect(metric(text, 'kopir_audit_checkpoint_size')).toBeGreaterThanOrEqual(0);
    expect(text).toContain('kopir_audit_process_cpu_seconds_total');
  });

  it('serves nothing of the ledger and has no maintenance switch', async () => {
    for (const path of ['/v1/events', '/v1/checkpoints/latest', '/v1/export', '/']) {
      expect((await fetch(`${ops}${path}`)).status).toBe(404);
    }
    expect((await fetch(`${ops}/maintenance/on`, { method: 'POST' })).status).toBe(404);
    expect((await (await fetch(`${ops}/health/ready`)).json()) as { status: string }).toMatchObject({
      status: 'ready',
    });
  });

  it('shows a partition stopped at an unknown gateway key, and stays ready for officers', async () => {
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await producer.send({
      topic: AUDIT_TOPIC,
      acks: -1,
      messages: [
        {
          value: await signJson({ events: [sampleEvent(99)], v: 1 }, stranger.privateKey, {
            kid: 'retired-gateway',
            typ: AUDIT_EVENT_TYP,
          }),
        },
      ],
    });
    await until(
      async () => metric(await (await fetch(`${ops}/metrics`)).text(), 'kopir_audit_stalled_partitions') === 1,
      'the stalled partition in the metrics',
    );
    expect(service.ledger.ledger.size).toBe(5);
    expect((await fetch(`${ops}/health/ready`)).status).toBe(200);
  });

  it('is not ready when the ledger cannot be read, and says why', async () => {
    const own = await startAuditService(
      auditServiceOptions(join(dir, 'second'), await auditPki(join(dir, 'second-pki')), {
        ops: { host: '127.0.0.1', port: 0 },
      }),
    );
    try {
      expect((await fetch(`${own.opsUrl ?? ''}/health/ready`)).status).toBe(200);
      own.ledger.ledger.close(); // the database is gone for this service
      const ready = await fetch(`${own.opsUrl ?? ''}/health/ready`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { checks: Record<string, string> }).checks.ledger).toMatch(/not open/);
    } finally {
      await own.close().catch(() => undefined); // its last checkpoint cannot be written: the database is closed
    }
  });

  it('does not stay half started when its ops port cannot be opened: the officer API closes too', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const busy = (taken.address() as { port: number }).port;
    const officerPort = await freePort();
    try {
      await expect(
        startAuditService(
          auditServiceOptions(join(dir, 'third'), await auditPki(join(dir, 'third-pki')), {
            port: officerPort,
            ops: { host: '127.0.0.1', port: busy },
          }),
        ),
      ).rejects.toThrow(/EADDRINUSE/);
      expect(await isListening(officerPort)).toBe(false);
    } finally {
      taken.close();
    }
  });
});
