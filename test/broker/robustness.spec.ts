import { Kafka, Partitioners } from 'kafkajs';
import { brokerFixture, kafkaConfig, type BrokerFixture } from './broker-fixture';
import { RawClient, frame, kafkajsDecode, kafkajsFrame } from './raw-client';

jest.setTimeout(60_000);

// eslint-disable-next-line @typescript-eslint/no-require-imports
const Long = require('kafkajs/src/utils/long') as { fromValue(v: unknown): unknown; fromInt(n: number): unknown };

async function normalClientStillWorks(address: string, topic: string): Promise<void> {
  const kafka = new Kafka(kafkaConfig(address, 'after'));
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const [meta] = await producer.send({ topic, messages: [{ value: 'still fine' }] });
  await producer.disconnect();
  expect(meta?.errorCode).toBe(0);
}

describe('embedded broker: bad input never crashes it or corrupts a log', () => {
  let fx: BrokerFixture;
  beforeEach(async () => {
    fx = await brokerFixture({ maxFrameBytes: 1024 * 1024 });
  });
  afterEach(async () => {
    await fx.dispose();
  });

  it('closes the connection on garbage, a negative size, an over-size frame and an unknown API key, with a log line each', async () => {
    const cases: [string, Buffer][] = [
      ['garbage', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
      ['negative size', Buffer.from([0xff, 0xff, 0xff, 0xf0, 1, 2, 3, 4])],
      ['over-size', Buffer.from([0x10, 0, 0, 0, 0, 0, 0, 0])],
      ['unknown api', frame(999, 0, 1, Buffer.alloc(0))],
      ['unsupported version', frame(0, 99, 1, Buffer.alloc(0))],
      ['truncated body', frame(3, 4, 1, Buffer.from([0, 0, 0, 5, 0, 1]))],
    ];
    for (const [name, bytes] of cases) {
      const client = await RawClient.open(fx.broker.address);
      client.send(bytes);
      expect({ name, closed: await client.closedByBroker() }).toEqual({ name, closed: true });
    }
    expect(fx.logs.filter((l) => l.startsWith('warn: closing connection')).length).toBe(cases.length);
    expect(fx.logs.some((l) => l.includes('unknown API key 999'))).toBe(true);
    await normalClientStillWorks(fx.broker.address, 'after-garbage');
  });

  it('survives a client that disconnects mid-request, and keeps the logs intact', async () => {
    const whole = await kafkajsFrame(
      'produce/v3/request',
      {
        acks: -1,
        timeout: 1000,
        topicData: [{ topic: 'torn', partitions: [{ partition: 0, messages: [{ value: 'x' }] }] }],
      },
      1,
    );
    const client = await RawClient.open(fx.broker.address);
    client.send(whole.subarray(0, whole.length - 7));
    client.end();
    await normalClientStillWorks(fx.broker.address, 'torn');
    const admin = new Kafka(kafkaConfig(fx.broker.address, 'admin')).admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets('torn');
    await admin.disconnect();
    expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(1);
  });

  it('answers ApiVersions above its range with UNSUPPORTED_VERSION in the v0 layout (KIP-511)', async () => {
    const client = await RawClient.open(fx.broker.address);
    client.send(frame(18, 3, 42, Buffer.from([0x00, 0x00, 0x00])));
    const response = await client.response();
    client.end();
    expect(response).not.toBeNull();
    const r = response as Buffer;
    expect(r.readInt32BE(0)).toBe(42);
    expect(r.readInt16BE(4)).toBe(35);
    const count = r.readInt32BE(6);
    const keys = Array.from({ length: count }, (_, i) => r.readInt16BE(10 + i * 6));
    expect(keys).toContain(18);
    expect(r.length).toBe(10 + count * 6);
  });

  it('answers a produce to a partition that does not exist with UNKNOWN_TOPIC_OR_PARTITION, and a CRC mismatch with CORRUPT_MESSAGE', async () => {
    const admin = new Kafka(kafkaConfig(fx.broker.address, 'admin')).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'one', numPartitions: 1 }] });
    await admin.disconnect();
    const client = await RawClient.open(fx.broker.address);
    client.send(
      await kafkajsFrame(
        'produce/v3/request',
        {
          acks: 1,
          timeout: 1000,
          topicData: [{ topic: 'one', partitions: [{ partition: 7, messages: [{ value: 'x' }] }] }],
        },
        1,
      ),
    );
    const missing = await kafkajsDecode('produce/v3/response', (await client.response()) as Buffer).catch(
      (e: { type?: string }) => e.type,
    );
    expect(missing).toBe('UNKNOWN_TOPIC_OR_PARTITION');
    expect(fx.logs.some((l) => l.includes('produce to missing partition one[7]'))).toBe(true);

    const good = await kafkajsFrame(
      'produce/v3/request',
      {
        acks: 1,
        timeout: 1000,
        topicData: [{ topic: 'one', partitions: [{ partition: 0, messages: [{ value: 'xyz' }] }] }],
      },
      2,
    );
    const flipped = Buffer.from(good);
    flipped.writeUInt8((flipped.readUInt8(flipped.length - 2) ^ 0xff) & 0xff, flipped.length - 2); // inside the record, covered by the batch CRC
    client.send(flipped);
    const corrupt = await kafkajsDecode('produce/v3/response', (await client.response()) as Buffer).catch(
      (e: { type?: string }) => e.type,
    );
    expect(corrupt).toBe('CORRUPT_MESSAGE');
    client.end();
    await normalClientStillWorks(fx.broker.address, 'one');
  });

  it('stores an idempotent producer’s retried batch once, and refuses a sequence gap', async () => {
    const client = await RawClient.open(fx.broker.address);
    client.send(
      await kafkajsFrame('initProducerId/v0/request', { transactionalId: null, transactionTimeout: 1000 }, 1),
    );
    const init = (await kafkajsDecode('initProducerId/v0/response', (await client.response()) as Buffer)) as {
      producerId: string;
      producerEpoch: number;
    };
    const produce = (sequence: number, correlationId: number): Promise<Buffer> =>
      kafkajsFrame(
        'produce/v3/request',
        {
          acks: -1,
          timeout: 1000,
          producerId: Long.fromValue(init.producerId),
          producerEpoch: init.producerEpoch,
          topicData: [
            {
              topic: 'idem',
              partitions: [{ partition: 0, firstSequence: sequence, messages: [{ value: 'a' }, { value: 'b' }] }],
            },
          ],
        },
        correlationId,
      );
    type ProduceResult = { topics: { partitions: { errorCode: number; baseOffset: string }[] }[] };
    const send = async (bytes: Buffer): Promise<ProduceResult | string> => {
      client.send(bytes);
      return (
        kafkajsDecode('produce/v3/response', (await client.response()) as Buffer) as Promise<ProduceResult>
      ).catch((e: { type?: string }) => String(e.type));
    };
    const first = await send(await produce(0, 2));
    const retry = await send(await produce(0, 3)); // the same batch again, as after a lost answer
    const next = await send(await produce(2, 4));
    const gap = await send(await produce(10, 5));
    client.end();
    const offsetOf = (r: ProduceResult | string): string | undefined =>
      typeof r === 'string' ? r : r.topics[0]?.partitions[0]?.baseOffset;
    expect(offsetOf(first)).toBe('0');
    expect(offsetOf(retry)).toBe('0');
    expect(offsetOf(next)).toBe('2');
    expect(gap).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER');
    const admin = new Kafka(kafkaConfig(fx.broker.address, 'admin')).admin();
    await admin.connect();
    const [offsets] = await admin.fetchTopicOffsets('idem');
    await admin.disconnect();
    expect(offsets?.high).toBe('4');
  });
});
