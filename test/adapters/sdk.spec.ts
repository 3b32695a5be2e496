/** The adapter SDK's own I/O: the listening-socket probe the contract kit relies on, and the health file. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import {
  AdapterRuntime,
  AdapterTestBed,
  RegistryService,
  healthFile,
  listeningTcpSockets,
  serviceDefinition,
  type AdapterRequest,
} from '@kopir/adapter-sdk';
import { parseAgencyCode, replyTopic, requestTopic } from '@kopir/contracts';
import { startBroker } from '@kopir/kafka-broker';
import { MESSAGE_HEADERS, createKafka, ensureTopics, silentLogger } from '@kopir/messaging';
import { generateSigningKey } from '@kopir/pki';
import { developmentFederation } from '@kopir/reference-registries';

describe('listeningTcpSockets', () => {
  it('sees a socket this process listens on, and no longer once it is closed (the kit check is not vacuous)', async () => {
    const before = listeningTcpSockets();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const during = [...listeningTcpSockets()].filter((inode) => !before.has(inode));
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const after = [...listeningTcpSockets()].filter((inode) => !before.has(inode));
    expect(during).toHaveLength(1);
    expect(after).toEqual([]);
  });
});

describe('adapter health file', () => {
  it('is written ready on start and stopped on stop, under <agency>-<system>.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kopir-health-'));
    try {
      const file = healthFile(dir, 'moh/health');
      expect(file).toBe(join(dir, 'moh-health.json'));
      const runtime = new AdapterRuntime({
        system: 'moh/health',
        signingKey: generateSigningKey('ES256').privateKey,
        federation: { current: { document: developmentFederation(new Date()) } },
        handlers: [{ service: 'sample', handle: () => ({}) }],
        concurrency: 2,
        healthFile: file,
      });
      await runtime.start();
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
        system: 'moh/health',
        state: 'ready',
        pid: process.pid,
        services: ['sample'],
      });
      await runtime.stop();
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ state: 'stopped' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

@Injectable()
class SlowHandlers {
  static running = 0;
  static most = 0;

  @RegistryService('slow')
  async slow(request: AdapterRequest<{ n: number }>): Promise<{ n: number }> {
    SlowHandlers.running++;
    SlowHandlers.most = Math.max(SlowHandlers.most, SlowHandlers.running);
    await new Promise((resolve) => setTimeout(resolve, 20));
    SlowHandlers.running--;
    return { n: request.body.n };
  }
}

describe('adapter concurrency', () => {
  it('never runs more handlers at once than its concurrency, and answers every request', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kopir-concurrency-'));
    const broker = await startBroker({ dataDir: join(dir, 'broker'), port: 0, log: () => undefined });
    const kafka = createKafka({ brokers: [broker.address], clientId: 'concurrency', logger: silentLogger });
    const agency = parseAgencyCode('moh');
    await ensureTopics(kafka, [
      { topic: requestTopic(agency), numPartitions: 3 },
      { topic: replyTopic('concurrency'), numPartitions: 1 },
    ]);
    const definition = {
      system: 'moh/slow',
      handlers: [SlowHandlers],
      services: [
        serviceDefinition({
          id: 'moh/slow/slow',
          description: 'waits 20 ms',
          request: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } },
          fields: ['n'],
        }),
      ],
    };
    const bed = await AdapterTestBed.start(definition, { kafka, concurrency: 2 });
    const consumer = kafka.consumer({ groupId: 'concurrency-replies', maxWaitTimeInMs: 50 });
    const producer = kafka.producer();
    try {
      await consumer.connect();
      await producer.connect();
      await consumer.subscribe({ topic: replyTopic('concurrency'), fromBeginning: true });
      const answered = new Set<string>();
      await consumer.run({
        eachMessage: ({ message }) => {
          answered.add(message.headers?.[MESSAGE_HEADERS.correlationId]?.toString() ?? '');
          return Promise.resolve();
        },
      });
      const envelopes = await Promise.all(Array.from({ length: 12 }, (_, n) => bed.envelope('slow', { n })));
      await producer.send({
        topic: requestTopic(agency),
        messages: envelopes.map((value, n) => ({
          key: String(n),
          value,
          headers: { [MESSAGE_HEADERS.replyTo]: replyTopic('concurrency'), [MESSAGE_HEADERS.correlationId]: String(n) },
        })),
      });
      while (answered.size < 12) await new Promise((resolve) => setTimeout(resolve, 20));
      // 12 requests sent at once keep the limit full: exactly 2 at a time, never more.
      expect(SlowHandlers.most).toBe(2);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await bed.close();
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
