import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { startBroker, type RunningBroker } from '@kopir/kafka-broker';
import { createKafka, ensureTopics, measureConsumerLag, silentLogger } from '@kopir/messaging';

jest.setTimeout(60_000);

describe('measureConsumerLag (high watermark less committed offset, per group and partition)', () => {
  let dir: string;
  let broker: RunningBroker;
  let kafka: Kafka;
  let admin: Admin;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kopir-lag-'));
    broker = await startBroker({ dataDir: dir, port: 0 });
    kafka = createKafka({ brokers: [broker.address], clientId: 'lag', logger: silentLogger });
    await ensureTopics(kafka, [{ topic: 'lag.requests', numPartitions: 2 }]);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: 'lag.requests',
      messages: [
        ...Array.from({ length: 5 }, (_, i) => ({ partition: 0, value: `p0-${i}` })),
        ...Array.from({ length: 2 }, (_, i) => ({ partition: 1, value: `p1-${i}` })),
      ],
    });
    await producer.disconnect();
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.disconnect();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const byPartition = (lags: Awaited<ReturnType<typeof measureConsumerLag>>, groupId: string) =>
    lags
      .filter((l) => l.groupId === groupId)
      .sort((a, b) => a.partition - b.partition)
      .map(({ partition, committed, highWatermark, lag }) => ({ partition, committed, highWatermark, lag }));

  it('counts what a group has not committed, everything in the log for a group that committed nothing', async () => {
    await admin.setOffsets({ groupId: 'behind', topic: 'lag.requests', partitions: [{ partition: 0, offset: '3' }] });
    const lags = await measureConsumerLag(admin, [
      { groupId: 'behind', topic: 'lag.requests' },
      { groupId: 'never-ran', topic: 'lag.requests' },
    ]);
    expect(byPartition(lags, 'behind')).toEqual([
      { partition: 0, committed: 3, highWatermark: 5, lag: 2 },
      { partition: 1, committed: undefined, highWatermark: 2, lag: 2 },
    ]);
    expect(byPartition(lags, 'never-ran')).toEqual([
      { partition: 0, committed: undefined, highWatermark: 5, lag: 5 },
      { partition: 1, committed: undefined, highWatermark: 2, lag: 2 },
    ]);
  });

  it('reports zero once a consumer has read and committed everything', async () => {
    const consumer = kafka.consumer({ groupId: 'caught-up', maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'lag.requests', fromBeginning: true });
    let seen = 0;
    const all = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: () => {
          if (++seen === 7) resolve();
          return Promise.resolve();
        },
      });
    });
    await all;
    await consumer.disconnect(); // commits what was read
    const lags = await measureConsumerLag(admin, [{ groupId: 'caught-up', topic: 'lag.requests' }]);
    expect(byPartition(lags, 'caught-up').map((l) => l.lag)).toEqual([0, 0]);
  });

  it('leaves out a topic that does not exist (and does not create it)', async () => {
    const lags = await measureConsumerLag(admin, [
      { groupId: 'behind', topic: 'lag.absent' },
      { groupId: 'behind', topic: 'lag.requests' },
    ]);
    expect(new Set(lags.map((l) => l.topic))).toEqual(new Set(['lag.requests']));
    expect(await admin.listTopics()).not.toContain('lag.absent');
  });
});
