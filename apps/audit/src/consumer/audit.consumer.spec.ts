import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { EachBatchPayload, Kafka } from 'kafkajs';
import { buildAuditEvent, type AuditEvent } from '@kopir/audit-log';
import { AUDIT_EVENT_TYP, AUDIT_TOPIC } from '@kopir/contracts';
import { signJson } from '@kopir/envelope';
import type { LedgerService } from '../ledger/ledger.service';
import { AuditConsumer } from './audit.consumer';

const current = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const retired = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const forger = generateKeyPairSync('ec', { namedCurve: 'P-256' });

const event = (i: number): AuditEvent =>
  buildAuditEvent({
    eventId: `ev-${i}`,
    requestId: `r-${i}`,
    time: '2025-03-01T09:30:00.000Z',
    kind: 'service-call',
    gateway: 'gw',
    client: 'psc/front-office',
    service: 'mju/population/person-by-iin',
    purpose: 'driving-licence-issue',
    subject: '900101300123',
    decision: 'allow',
    reason: 'rule:x',
    status: 200,
    errorCode: null,
    latencyMs: 5,
    requestHash: null,
    responseHash: null,
  });

const signed = (i: number, key: KeyObject, kid: string, typ = AUDIT_EVENT_TYP): Promise<string> =>
  signJson({ events: [event(i)], v: 1 }, key, { kid, typ });

/**
 * The consumer over a Kafka client that hands it the batches the test gives (the kafkajs eachBatch contract:
 * resolveOffset, pause returning resume, heartbeat), a ledger that keeps what is appended, and a log.
 */
function harness(keys: Map<string, KeyObject>) {
  let eachBatch: ((payload: EachBatchPayload) => Promise<void>) | undefined;
  const committed: { partition: number; offset: string }[] = [];
  const kafkaConsumer = {
    connect: () => Promise.resolve(),
    subscribe: () => Promise.resolve(),
    run: (config: { eachBatch: (payload: EachBatchPayload) => Promise<void> }) => {
      eachBatch = config.eachBatch;
      return Promise.resolve();
    },
    commitOffsets: (offsets: { partition: number; offset: string }[]) => {
      committed.push(...offsets.map(({ partition, offset }) => ({ partition, offset })));
      return Promise.resolve();
    },
    disconnect: () => Promise.resolve(),
  };
  const appended: AuditEvent[] = [];
  const ledger = {
    append: (events: readonly AuditEvent[]) => {
      appended.push(...events);
      return { appended: events.length, duplicates: 0, size: appended.length };
    },
  } as unknown as LedgerService;
  const logs = { log: [] as string[], warn: [] as string[], error: [] as string[] };
  const logger = {
    log: (m: string) => logs.log.push(m),
    warn: (m: string) => logs.warn.push(m),
    error: (m: string) => logs.error.push(m),
  };
  const consumer = new AuditConsumer(
    { consumer: () => kafkaConsumer } as unknown as Kafka,
    'kopir-audit',
    ledger,
    logger,
    (kid) => keys.get(kid),
    30_000,
    10,
  );
  /** Delivers messages [offset, value] of partition 0 as one batch; says what the consumer did with it. */
  const deliver = async (messages: readonly (readonly [string, string])[]) => {
    const resolved: string[] = [];
    let paused = false;
    let resumed!: () => void;
    const resumedNow = new Promise<void>((r) => (resumed = r));
    const last = messages[messages.length - 1]?.[0] ?? '-1';
    await eachBatch?.({
      batch: {
        topic: AUDIT_TOPIC,
        partition: 0,
        messages: messages.map(([offset, value]) => ({ offset, value: Buffer.from(value) })),
        lastOffset: () => last,
      },
      isRunning: () => true,
      isStale: () => false,
      resolveOffset: (offset: string) => resolved.push(offset),
      heartbeat: () => Promise.resolve(),
      pause: () => {
        paused = true;
        return () => resumed();
      },
    } as unknown as EachBatchPayload);
    return { resolved, paused, resumedNow };
  };
  return { consumer, deliver, committed, appended, logs };
}

describe('AuditConsumer', () => {
  it('stops the partition at a well-formed message under a key the federation no longer lists, and resumes there once it does', async () => {
    // The federation in force lists only the new gateway key; events signed under the retired one are still in Kafka.
    const keys = new Map([['gw-new', current.publicKey]]);
    const h = harness(keys);
    await h.consumer.start();
    const batch = [
      ['40', await signed(40, current.privateKey, 'gw-new')],
      ['41', await signed(41, retired.privateKey, 'gw-old')],
      ['42', await signed(42, current.privateKey, 'gw-new')],
    ] as const;
    const first = await h.deliver(batch);
    // What came before the message is appended and done with; nothing at or after it.
    expect(h.appended.map((e) => e.eventId)).toEqual(['ev-40']);
    expect(first.resolved).toEqual(['40']);
    expect(first.paused).toBe(true);
    expect(h.consumer.stalledPartitions()).toEqual([
      expect.objectContaining({ partition: 0, offset: '41', kid: 'gw-old', attempts: 1 }),
    ]);
    expect(h.logs.error.join('\n')).toMatch(/partition 0 STOPPED at offset 41.*"gw-old".*federation/s);
    expect(h.logs.warn).toEqual([]);
    // It reads the message again after a while; still unknown: still stopped, not skipped.
    await first.resumedNow;
    const again = await h.deliver(batch.slice(1));
    expect(again.resolved).toEqual([]);
    expect(again.paused).toBe(true);
    expect(h.consumer.stalledPartitions()[0]).toMatchObject({ offset: '41', attempts: 2 });
    // The operator puts the retired key back in the federation: the records arrive, and the partition goes on.
    await again.resumedNow;
    keys.set('gw-old', retired.publicKey);
    const after = await h.deliver(batch.slice(1));
    expect(h.appended.map((e) => e.eventId)).toEqual(['ev-40', 'ev-41', 'ev-42']);
    expect(after.resolved).toEqual(['42']);
    expect(after.paused).toBe(false);
    expect(h.consumer.stalledPartitions()).toEqual([]);
    await h.consumer.stop();
    // Kafka never had an offset past 41 committed before ev-41 was in the ledger.
    expect(h.committed.map((c) => c.offset)).toEqual(['41', '43']);
  });

  it('still refuses and skips a message that fails under a known key, or is malformed, so a forger cannot stop the audit', async () => {
    const h = harness(new Map([['gw', current.publicKey]]));
    await h.consumer.start();
    const genuine = await signed(7, current.privateKey, 'gw');
    const [header, , signature] = genuine.split('.') as [string, string, string];
    const forgedPayload = Buffer.from(JSON.stringify({ events: [event(9)], v: 1 })).toString('base64url');
    const messages = [
      // Signed under the gateway's kid by another key.
      ['1', await signed(1, forger.privateKey, 'gw')],
      // The gateway's header and signature over another payload.
      ['2', `${header}.${forgedPayload}.${signature}`],
      // Unsigned; not a JWS at all.
      ['3', JSON.stringify({ events: [event(3)], v: 1 })],
      ['4', 'not a message'],
      // A made-up kid, but not an audit message: another typ, or a payload that is not a gateway's batch.
      ['5', await signed(5, forger.privateKey, 'made-up', 'kopir-request+jws')],
      ['6', await signJson({ hello: 'world' }, forger.privateKey, { kid: 'made-up', typ: AUDIT_EVENT_TYP })],
      ['7', genuine],
    ] as const;
    const result = await h.deliver(messages);
    expect(h.appended.map((e) => e.eventId)).toEqual(['ev-7']);
    expect(result.resolved).toEqual(['7']);
    expect(result.paused).toBe(false);
    expect(h.consumer.stalledPartitions()).toEqual([]);
    expect(h.logs.warn).toHaveLength(6);
    expect(h.logs.warn.every((m) => m.startsWith('refused audit message 0@'))).toBe(true);
    expect(h.logs.error).toEqual([]);
    await h.consumer.stop();
    expect(h.committed.map((c) => c.offset)).toEqual(['8']);
  });
});
