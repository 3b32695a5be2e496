/**
 * The audit service end to end: events produced to `kopir.audit` on the embedded broker are appended, checkpointed
 * and served to officers over real mutual TLS; every officer query is itself audited; proofs verify offline.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { AUDIT_EVENT_TYP, AUDIT_TOPIC } from '@kopir/contracts';
import { signJson } from '@kopir/envelope';
import {
  eventLeafHash,
  openCheckpoint,
  parseAuditEvent,
  parseVerifierKey,
  verifyConsistency,
  verifyExport,
  verifyInclusion,
  verifierKey,
  type AuditEvent,
} from '@kopir/audit-log';
import { developmentFederation } from '@kopir/reference-registries';
import { startBroker, type RunningBroker } from '@kopir/kafka-broker';
import { startAuditService, type RunningAuditService } from '../../apps/audit/src/start-audit';
import { runCli } from '../../apps/cli/src/cli';
import {
  GATEWAY_KID,
  PORTAL,
  auditPki,
  auditServiceOptions,
  gatewayKeyOf,
  gatewayKeys,
  get,
  quiet,
  sampleEvent,
  signedBatch,
  signedEvent,
} from './audit-fixture';

async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('audit service: Kafka in, officer API over mutual TLS out', () => {
  let dir: string;
  let broker: RunningBroker;
  /** What the audit service warned of: here, the audit messages it refused. */
  const refusals: string[] = [];
  let service: RunningAuditService;
  let producer: Producer;
  let pki: Awaited<ReturnType<typeof auditPki>>;
  const b64 = (s: string): Buffer => Buffer.from(s, 'base64');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kopir-audit-'));
    pki = await auditPki(join(dir, 'pki'));
    broker = await startBroker({ dataDir: join(dir, 'broker'), port: 0, log: () => undefined });
    const kafka = new Kafka({ brokers: [broker.address], clientId: 'audit-test', logLevel: logLevel.NOTHING });
    service = await startAuditService(
      auditServiceOptions(dir, pki, {
        kafka,
        gatewayKey: gatewayKeyOf(),
        logger: { ...quiet, warn: (m: string) => void refusals.push(m) },
      }),
    );
    producer = kafka.producer();
    await producer.connect();
    const events = Array.from({ length: 300 }, (_, i) => sampleEvent(i));
    await producer.send({
      topic: AUDIT_TOPIC,
      acks: -1,
      // Three messages of 100 signed events each, as a gateway batches them, and a few of one.
      messages: [
        ...(await Promise.all(
          [0, 100, 200].map(async (from) => ({ key: null, value: await signedBatch(events.slice(from, from + 97)) })),
        )),
        ...(await Promise.all(
          [97, 98, 99, 197, 198, 199, 297, 298, 299].map(async (i) => ({
            key: null,
            value: await signedEvent(events[i] as AuditEvent),
          })),
        )),
      ],
    });
    await until(() => service.ledger.ledger.size >= 300, '300 events in the ledger');
  });

  afterAll(async () => {
    await producer?.disconnect();
    await service?.close();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const officer = (): Parameters<typeof get>[2] => pki.paths.officer('officer');
  const ca = (): string => pki.paths.chain;

  it('appends each event once even when Kafka delivers it again, and skips malformed messages', async () => {
    await producer.send({
      topic: AUDIT_TOPIC,
      acks: -1,
      messages: [
        ...(await Promise.all(
          [0, 1, 2].map(async (i) => ({ key: `req-${i}`, value: await signedEvent(sampleEvent(i)) })),
        )),
        // Signed by the gateway, yet not an event: refused alone, the rest of its message appended.
        {
          key: 'bad',
          value: await signedBatch([{ v: 1, eventId: 'x' } as unknown as AuditEvent, sampleEvent(6001)]),
        },
        { key: 'req-300', value: await signedEvent(sampleEvent(300)) },
      ],
    });
    await until(() => service.ledger.ledger.eventById('req-300') !== undefined, 'req-300');
    const ids = service.ledger.ledger.search({ kind: 'service-call', limit: 1000 }).entries.map((e) => e.event.eventId);
    expect(ids).toHaveLength(302);
    expect(new Set(ids).size).toBe(302);
  });

  it('appends only events a gateway of the federation signed: unsigned, other-key and altered ones are refused', async () => {
    // Events far after the others' ten minutes, so the per-minute counts below stay as they were.
    const before = service.ledger.ledger.size;
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const genuine = await signedEvent(sampleEvent(5000));
    const [header, payload, signature] = genuine.split('.') as [string, string, string];
    const framed = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { events: Record<string, unknown>[] };
    // Someone with write access to kopir.audit (an adapter's Kafka certificate) trying to put records in the ledger.
    const attempts = [
      { key: 'unsigned', value: JSON.stringify(sampleEvent(5001)) },
      { key: 'other-key', value: await signedEvent(sampleEvent(5002), otherKey) },
      {
        key: 'altered',
        value: `${header}.${Buffer.from(
          JSON.stringify({ ...framed, events: [{ ...framed.events[0], purpose: 'curiosity' }] }),
        ).toString('base64url')}.${signature}`,
      },
      // Signed with the gateway's key, but not the batch a gateway sends (a bare event): refused as well.
      {
        key: 'bare-event',
        value: await signJson(sampleEvent(5003), gatewayKeys.privateKey, { kid: GATEWAY_KID, typ: AUDIT_EVENT_TYP }),
      },
      {
        key: 'alg-none',
        value: `${Buffer.from('{"alg":"none","kid":"test-gateway","typ":"kopir-audit+jws"}').toString('base64url')}.${payload}.`,
      },
    ];
    refusals.length = 0;
    await producer.send({ topic: AUDIT_TOPIC, acks: -1, messages: [...attempts, { key: 'req-5000', value: genuine }] });
    await until(() => service.ledger.ledger.eventById('req-5000') !== undefined, 'req-5000');
    // Only the genuine one went in; the others are named in the log, in their order, without their content.
    expect(service.ledger.ledger.size - before).toBe(1);
    for (const i of [5001, 5002, 5003]) expect(service.ledger.ledger.eventById(`req-${i}`)).toBeUndefined();
    expect(refusals).toHaveLength(5);
    expect(refusals.every((m) => m.startsWith('refused audit message '))).toBe(true);
    expect(refusals.join('\n')).not.toContain('9001013');
  });

  it("finds a call by the caller's request id, one system's at a time", async () => {
    const answer = await get(service.port, '/v1/events?requestId=req-7&client=psc/front-office', officer(), ca());
    expect(answer.status).toBe(200);
    const page = JSON.parse(answer.body) as { entries: { event: { eventId: string; requestId: string } }[] };
    expect(page.entries.map((e) => e.event)).toEqual([
      expect.objectContaining({ eventId: 'req-7', requestId: 'req-7' }),
    ]);
    const none = await get(service.port, '/v1/events?requestId=req-7&client=mia/police', officer(), ca());
    expect((JSON.parse(none.body) as { entries: unknown[] }).entries).toEqual([]);
  });

  it('searches by subject and decision, paginated, and audits the search itself', async () => {
    const subject = sampleEvent(10).subject as string;
    const answer = await get(service.port, `/v1/events?subject=${subject}&limit=1`, officer(), ca());
    expect(answer.status).toBe(200);
    const page = JSON.parse(answer.body) as { entries: { index: number; event: { subject: string } }[]; next?: number };
    expect(page.entries).toHaveLength(1);
    expect(page.entries[0]?.event.subject).toBe(subject);
    const denials = JSON.parse((await get(service.port, '/v1/events?decision=deny&limit=1000', officer(), ca())).body);
    expect((denials as { entries: unknown[] }).entries.length).toBeGreaterThanOrEqual(30);
    const audited = service.ledger.ledger.search({ kind: 'officer-query', subject, limit: 10 }).entries;
    expect(audited.map((e) => [e.event.client, e.event.service])).toContainEqual(['officer:officer', 'audit:search']);
  });

  it('serves one event with an inclusion proof that verifies against the signed checkpoint', async () => {
    const answer = JSON.parse((await get(service.port, '/v1/events/42', officer(), ca())).body) as {
      event: unknown;
      inclusion: { treeSize: number; proof: string[] };
      checkpoint: string;
    };
    const checkpoint = openCheckpoint(answer.checkpoint, [parseVerifierKey(service.verifierKey)]);
    const leaf = eventLeafHash(parseAuditEvent(answer.event));
    expect(() =>
      verifyInclusion(leaf, 42, answer.inclusion.treeSize, answer.inclusion.proof.map(b64), checkpoint.rootHash),
    ).not.toThrow();
  });

  it('finds the event behind an audit receipt (its event id), with its proof', async () => {
    const answer = await get(service.port, '/v1/receipts/req-77', officer(), ca());
    const body = JSON.parse(answer.body) as { index: number; event: { eventId: string }; inclusion: unknown };
    // Kafka partitions interleave events, so the leaf index is the ledger's, not the request's number.
    const index = service.ledger.ledger.eventById('req-77')?.index;
    expect(body).toMatchObject({ index, event: { eventId: 'req-77' } });
    expect(body.inclusion).not.toBeNull();
    expect(JSON.parse((await get(service.port, '/v1/receipts/nope-1', officer(), ca())).body)).toMatchObject({
      code: 'not_found',
    });
  });

  it('proves consistency between two checkpoints', async () => {
    const first = service.ledger.ledger.checkpoints(1, 1_000_000)[0] as { size: number };
    service.ledger.append([sampleEvent(1000)]);
    const latest = service.ledger.checkpoint();
    const answer = JSON.parse(
      (await get(service.port, `/v1/proofs/consistency?from=${first.size}&to=${latest.size}`, officer(), ca())).body,
    ) as { from: string; to: string; proof: string[] };
    const verifiers = [parseVerifierKey(service.verifierKey)];
    const a = openCheckpoint(answer.from, verifiers);
    const b = openCheckpoint(answer.to, verifiers);
    expect(() => verifyConsistency(a.size, b.size, a.rootHash, b.rootHash, answer.proof.map(b64))).not.toThrow();
  });

  it('exports NDJSON with proofs that the offline verifier accepts', async () => {
    const answer = await get(service.port, '/v1/export', pki.paths.officer('auditor'), ca());
    expect(answer.status).toBe(200);
    expect(answer.type).toContain('application/x-ndjson');
    const report = verifyExport(answer.body.split('\n'), { verifiers: [parseVerifierKey(service.verifierKey)] });
    expect(report).toMatchObject({ ok: true });
    expect(report.inclusionProofs).toBe(report.events);
  });

  it('counts calls and denials per minute', async () => {
    const answer = await get(
      service.port,
      '/v1/statistics?from=2025-03-01T09:00:00Z&to=2025-03-01T09:10:00Z',
      officer(),
      ca(),
    );
    const rows = JSON.parse(answer.body) as { minute: string; calls: number; denials: number }[];
    expect(rows.find((r) => r.minute === '2025-03-01T09:00')).toBeDefined();
    // Events 0..300 fall in these ten minutes (one a second); every tenth is a denial.
    expect(rows.reduce((s, r) => s + r.calls, 0)).toBe(301);
    expect(rows.reduce((s, r) => s + r.denials, 0)).toBe(31);
  });

  it('shows a citizen who accessed their data, to an officer and to the citizen portal, with proofs', async () => {
    const subject = sampleEvent(7).subject as string;
    for (const client of [officer(), pki.paths.system(PORTAL).tls]) {
      const answer = await get(service.port, `/v1/subjects/${subject}/accesses`, client, ca());
      expect(answer.status).toBe(200);
      const body = JSON.parse(answer.body) as {
        checkpoint: string;
        accesses: {
          index: number;
          event: { client: string; purpose: string };
          inclusion: { treeSize: number; proof: string[] };
        }[];
      };
      const checkpoint = openCheckpoint(body.checkpoint, [parseVerifierKey(service.verifierKey)]);
      const calls = body.accesses.filter((a) => a.event.client !== 'officer:officer');
      expect(calls.length).toBeGreaterThan(0);
      for (const access of body.accesses.filter((a) => a.inclusion !== null)) {
        const leaf = eventLeafHash(parseAuditEvent(access.event));
        verifyInclusion(
          leaf,
          access.index,
          access.inclusion.treeSize,
          access.inclusion.proof.map(b64),
          checkpoint.rootHash,
        );
      }
    }
  });

  it('refuses the citizen portal everything but the citizen view, and other systems everything', async () => {
    const portal = await get(service.port, '/v1/events', pki.paths.system(PORTAL).tls, ca());
    expect(portal.status).toBe(403);
    expect(portal.type).toContain('application/problem+json');
    expect(JSON.parse(portal.body)).toMatchObject({ code: 'access_denied' });
    const system = await get(
      service.port,
      '/v1/subjects/900101300007/accesses',
      pki.paths.system('psc/front-office').tls,
      ca(),
    );
    expect(JSON.parse(system.body)).toMatchObject({ code: 'access_denied', status: 403 });
    // The denials are audited too.
    const denied = service.ledger.ledger.search({ kind: 'officer-query', decision: 'deny', limit: 100 }).entries;
    expect(denied.map((e) => e.event.client)).toEqual(expect.arrayContaining([PORTAL, 'psc/front-office']));
  });

  it('answers malformed queries with request_invalid, never an internal error', async () => {
    for (const path of [
      '/v1/events?subject=a&subject=b',
      '/v1/events?limit=5000',
      '/v1/events?from=yesterday',
      '/v1/events?decision=maybe',
      '/v1/events/-1',
      '/v1/proofs/consistency?from=abc',
      '/v1/subjects/12345/accesses',
    ]) {
      const answer = await get(service.port, path, officer(), ca());
      expect([path, answer.status, JSON.parse(answer.body).code]).toEqual([path, 400, 'request_invalid']);
    }
    const missing = await get(service.port, '/v1/events/99999999', officer(), ca());
    expect(JSON.parse(missing.body)).toMatchObject({ code: 'not_found', status: 404 });
  });

  it('refuses a connection without a client certificate, and one from another CA', async () => {
    await expect(get(service.port, '/v1/checkpoints/latest', undefined, ca())).rejects.toThrow();
    const other = await auditPki(join(dir, 'other-pki'));
    await expect(get(service.port, '/v1/checkpoints/latest', other.paths.officer('officer'), ca())).rejects.toThrow();
  });

  it('answers `kopir audit verify`, `search` and `checkpoint` through the officer API', async () => {
    const io = {
      out: '',
      err: '',
      stdout: (s: string) => void (io.out += s),
      stderr: (s: string) => void (io.err += s),
    };
    const common = ['--url', `https://127.0.0.1:${service.port}`, '--pki', pki.paths.root];
    expect(await runCli(['audit', 'verify', ...common, '--key', service.verifierKey], io)).toBe(0);
    expect(io.out).toMatch(/ok: https:\/\/127\.0\.0\.1:\d+: \d+ events/);
    expect(io.err).toContain('100%');
    const subject = sampleEvent(5).subject as string;
    expect(await runCli(['audit', 'search', ...common, '--subject', subject, '--decision', 'allow'], io)).toBe(0);
    expect(io.out).toContain(subject);
    expect(await runCli(['audit', 'checkpoint', ...common, '--key', service.verifierKey], io)).toBe(0);
    expect(io.out).toContain('signature ok: tree size');
    // Another key under the same name: no trusted signature, exit 1.
    const other = verifierKey('kopir.test/audit', generateKeyPairSync('ed25519').publicKey);
    expect(await runCli(['audit', 'verify', ...common, '--key', other, '--no-progress'], io)).toBe(1);
    expect(io.err).toContain('signature_invalid');
  });

  it('refuses an officer the federation document does not list', async () => {
    const answer = await get(service.port, '/v1/checkpoints/latest', pki.paths.officer('auditor'), ca());
    expect(answer.status).toBe(200);
    const withoutAuditor = (): ReturnType<typeof developmentFederation>['officers'] =>
      developmentFederation().officers.filter((o) => o.id !== 'auditor');
    // Same CA, same certificate, but the federation no longer names the officer.
    const service2 = await startAuditService(
      auditServiceOptions(dir, pki, {
        database: join(dir, 'audit2', 'ledger.db'),
        origin: 'kopir.test/audit2',
        citizenPortals: [],
        officers: withoutAuditor,
        groupId: 'unused',
      }),
    );
    try {
      const refused = await get(service2.port, '/v1/checkpoints/latest', pki.paths.officer('auditor'), ca());
      expect(JSON.parse(refused.body)).toMatchObject({ code: 'access_denied' });
    } finally {
      await service2.close();
    }
  });
});
