import { Kafka, Partitioners, type Producer } from 'kafkajs';
import { brokerFixture, kafkaConfig, waitFor, type BrokerFixture } from './broker-fixture';

jest.setTimeout(120_000);

const PRODUCERS = 10;
const PER_PRODUCER = 10_000;
const BATCH = 500;

describe('embedded broker under load', () => {
  let fx: BrokerFixture;
  beforeEach(async () => {
    fx = await brokerFixture({ defaultPartitions: 4 });
  });
  afterEach(async () => {
    await fx.dispose();
  });

  it(`takes ${PRODUCERS} producers × ${PER_PRODUCER} messages: nothing lost, duplicated or reordered within a partition`, async () => {
    const kafka = new Kafka(kafkaConfig(fx.broker.address, 'load'));
    const producers: Producer[] = [];
    for (let p = 0; p < PRODUCERS; p++) {
      producers.push(kafka.producer({ idempotent: p % 2 === 0, createPartitioner: Partitioners.DefaultPartitioner }));
    }
    await Promise.all(producers.map((p) => p.connect()));
    await Promise.all(
      producers.map(async (producer, p) => {
        for (let i = 0; i < PER_PRODUCER; i += BATCH) {
          const messages = [];
          // Key = producer and a lane: one lane always lands in one partition, so its order must be kept.
          for (let j = i; j < i + BATCH; j++) messages.push({ key: `p${p}-lane${j % 8}`, value: `${p}:${j}` });
          await producer.send({ topic: 'load', messages });
        }
      }),
    );
    await Promise.all(producers.map((p) => p.disconnect()));

    const consumer = kafka.consumer({ groupId: 'load-readers', maxWaitTimeInMs: 200, maxBytes: 4 * 1024 * 1024 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'load', fromBeginning: true });
    const seen = new Set<string>();
    let duplicates = 0;
    let reordered = 0;
    const lastInLane = new Map<string, number>();
    const lastOffset = new Map<number, number>();
    await consumer.run({
      eachBatch: ({ batch }) => {
        for (const message of batch.messages) {
          const value = String(message.value);
          if (seen.has(value)) duplicates++;
          seen.add(value);
          const [p, j] = value.split(':').map(Number) as [number, number];
          const lane = `p${p}-lane${j % 8}`;
          if ((lastInLane.get(lane) ?? -1) >= j) reordered++;
          lastInLane.set(lane, j);
          const offset = Number(message.offset);
          if (offset !== (lastOffset.get(batch.partition) ?? -1) + 1) reordered++;
          lastOffset.set(batch.partition, offset);
        }
        return Promise.resolve();
      },
    });
    await waitFor(() => seen.size >= PRODUCERS * PER_PRODUCER, 90_000, 'every message');
    await consumer.disconnect();
    expect({ received: seen.size, duplicates, reordered }).toEqual({
      received: PRODUCERS * PER_PRODUCER,
      duplicates: 0,
      reordered: 0,
    });
  });
});
