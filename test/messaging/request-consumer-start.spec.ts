import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka, Producer } from 'kafkajs';
import { startBroker, type RunningBroker } from '@kopir/kafka-broker';
import { RequestConsumer, createKafka, ensureTopics, silentLogger } from '@kopir/messaging';

jest.setTimeout(90_000);

/**
 * An adapter that says it is ready must answer what is sent from then on. A new consumer group starts at the end of
 * its topic, an offset its first fetch looks up; RequestConsumer.start() used to resolve when the group was joined,
 * before that lookup, so a request sent right after start() could land before the position and never be answered
 * (seen once as a provider_timeout on the very first call after `kopir up` on a fresh directory).
 */
describe('RequestConsumer.start(): ready means positioned', () => {
  let dir: string;
  let broker: RunningBroker;
  let kafka: Kafka;
  let producer: Producer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kopir-consumer-start-'));
    broker = await startBroker({ dataDir: dir, port: 0, log: () => undefined });
    kafka = createKafka({ brokers: [broker.address], clientId: 'start', logger: silentLogger });
    producer = kafka.producer();
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('handles a request sent the moment start() resolves, on a new topic and a new group, every time', async () => {
    for (let round = 0; round < 5; round++) {
      const topic = `start.requests.${round}`;
      await ensureTopics(kafka, [{ topic, numPartitions: 1 }]);
      // Something already in the topic, which a new group must not see (it starts at the end).
      await producer.send({ topic, messages: [{ value: 'old' }] });
      const seen: string[] = [];
      const consumer = new RequestConsumer({
        kafka,
        groupId: `start-${round}`,
        topics: [topic],
        concurrency: 4,
        logger: silentLogger,
        handler: ({ value }) => {
          seen.push(value.toString());
          return Promise.resolve(undefined);
        },
      });
      try {
        await consumer.start();
        await producer.send({ topic, messages: [{ value: `new-${round}` }] });
        const deadline = Date.now() + 10_000;
        while (!seen.includes(`new-${round}`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        expect(seen).toEqual([`new-${round}`]);
      } finally {
        await consumer.stop();
      }
    }
  });
});
