import { Kafka, Partitioners } from 'kafkajs';
import { brokerFixture, kafkaConfig, waitFor, type BrokerFixture } from './broker-fixture';

jest.setTimeout(60_000);

describe('embedded broker with kafkajs 2.2.4: produce and consume', () => {
  let fx: BrokerFixture;
  beforeEach(async () => {
    fx = await brokerFixture();
  });
  afterEach(async () => {
    await fx.dispose();
  });

  it('delivers what a plain producer sends to a consumer group, keys and headers intact, in order per partition', async () => {
    const kafka = new Kafka(kafkaConfig(fx.broker.address, 'plain'));
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const sent = Array.from({ length: 300 }, (_, i) => ({
      key: `k${i % 7}`,
      value: `v${i}`,
      headers: { n: String(i) },
    }));
    for (let i = 0; i < sent.length; i += 50) await producer.send({ topic: 'orders', messages: sent.slice(i, i + 50) });

    const consumer = kafka.consumer({ groupId: 'readers', maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'orders', fromBeginning: true });
    const got: { key: string; value: string; n: string; partition: number; offset: number }[] = [];
    await consumer.run({
      eachMessage: ({ partition, message }) => {
        got.push({
          key: String(message.key),
          value: String(message.value),
          n: String(message.headers?.n),
          partition,
          offset: Number(message.offset),
        });
        return Promise.resolve();
      },
    });
    await waitFor(() => got.length >= sent.length, 20_000, 'all messages');
    await consumer.disconnect();
    await producer.disconnect();

    expect(got).toHaveLength(sent.length);
    expect(new Set(got.map((m) => m.value))).toEqual(new Set(sent.map((m) => m.value)));
    for (const m of got) expect(m.value).toBe(`v${m.n}`);
    // One key always lands in one partition, and within a partition the order (and offsets) follow the sends.
    const byKey = new Map<string, number[]>();
    for (const m of got) byKey.set(m.key, [...(byKey.get(m.key) ?? []), Number(m.n)]);
    for (const ns of byKey.values()) expect(ns).toEqual([...ns].sort((a, b) => a - b));
    const byPartition = new Map<number, number[]>();
    for (const m of got) byPartition.set(m.partition, [...(byPartition.get(m.partition) ?? []), m.offset]);
    for (const offsets of byPartition.values()) expect(offsets).toEqual(offsets.map((_, i) => i));
  });

  it('answers a consumer that waits on an empty topic as soon as a record arrives (long-poll fetch)', async () => {
    const kafka = new Kafka(kafkaConfig(fx.broker.address, 'long-poll'));
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'quiet', numPartitions: 1 }] });
    await admin.disconnect();
    const consumer = kafka.consumer({ groupId: 'waiters', maxWaitTimeInMs: 10_000 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'quiet', fromBeginning: true });
    const got: string[] = [];
    await consumer.run({
      eachMessage: ({ message }) => {
        got.push(String(message.value));
        return Promise.resolve();
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic: 'quiet', messages: [{ value: 'wake up' }] });
    // Well below the 10 s max wait: the append woke the fetch.
    await waitFor(() => got.length === 1, 5_000, 'the woken fetch');
    expect(got).toEqual(['wake up']);
    await producer.disconnect();
    await consumer.disconnect();
  });
});
