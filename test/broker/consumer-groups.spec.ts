import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, Partitioners, type Consumer } from 'kafkajs';
import { brokerFixture, kafkaConfig, waitFor, type BrokerFixture } from './broker-fixture';

jest.setTimeout(60_000);

const TOPIC = 'shared';

/** A consumer that records the partitions of its latest assignment. */
async function member(
  kafka: Kafka,
  groupId: string,
  sessionTimeout = 6000,
): Promise<{ consumer: Consumer; assigned: () => number[] }> {
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout,
    heartbeatInterval: 200,
    maxWaitTimeInMs: 200,
    rebalanceTimeout: 10_000,
  });
  let assigned: number[] = [];
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    assigned = [...(e.payload.memberAssignment[TOPIC] ?? [])].sort();
  });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({ eachMessage: () => Promise.resolve() });
  return { consumer, assigned: () => assigned };
}

describe('embedded broker: consumer groups with kafkajs', () => {
  let fx: BrokerFixture;
  let kafka: Kafka;
  beforeEach(async () => {
    fx = await brokerFixture();
    kafka = new Kafka(kafkaConfig(fx.broker.address, 'groups'));
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 4 }] });
    await admin.disconnect();
  });
  afterEach(async () => {
    await fx.dispose();
  });

  it('shares partitions between two members, describes the group, and gives all back when one leaves', async () => {
    const a = await member(kafka, 'pair');
    await waitFor(() => a.assigned().length === 4, 20_000, 'a alone');
    const b = await member(kafka, 'pair');
    await waitFor(() => a.assigned().length === 2 && b.assigned().length === 2, 20_000, 'a and b sharing');
    expect([...a.assigned(), ...b.assigned()].sort()).toEqual([0, 1, 2, 3]);

    const admin = kafka.admin();
    await admin.connect();
    const { groups } = await admin.describeGroups(['pair']);
    const listed = await admin.listGroups();
    await admin.disconnect();
    expect(groups[0]?.state).toBe('Stable');
    expect(groups[0]?.protocolType).toBe('consumer');
    expect(groups[0]?.members).toHaveLength(2);
    expect(listed.groups.map((g) => g.groupId)).toContain('pair');

    await b.consumer.disconnect();
    await waitFor(() => a.assigned().length === 4, 20_000, 'a taking over after b left');
    await a.consumer.disconnect();
  });

  it('rebalances when a member is killed (its session expires)', async () => {
    const script = join(fx.dataDir, 'killable-consumer.js');
    writeFileSync(
      script,
      `const { Kafka, logLevel } = require(${JSON.stringify(require.resolve('kafkajs'))});
const kafka = new Kafka({ brokers: [process.argv[2]], clientId: 'killable', logLevel: logLevel.NOTHING });
const c = kafka.consumer({ groupId: 'mortal', sessionTimeout: 2000, heartbeatInterval: 200, maxWaitTimeInMs: 200 });
c.on(c.events.GROUP_JOIN, (e) => process.send({ assigned: e.payload.memberAssignment[${JSON.stringify(TOPIC)}] || [] }));
c.connect().then(() => c.subscribe({ topic: ${JSON.stringify(TOPIC)}, fromBeginning: true })).then(() => c.run({ eachMessage: async () => {} }));
`,
    );
    const survivor = await member(kafka, 'mortal');
    await waitFor(() => survivor.assigned().length === 4, 20_000, 'survivor alone');
    let childAssigned: number[] = [];
    const child: ChildProcess = fork(script, [fx.broker.address], { stdio: 'ignore' });
    child.on('message', (m: { assigned: number[] }) => (childAssigned = m.assigned));
    await waitFor(
      () => childAssigned.length === 2 && survivor.assigned().length === 2,
      30_000,
      'sharing with the child',
    );
    child.kill('SIGKILL');
    await waitFor(() => survivor.assigned().length === 4, 30_000, 'survivor taking over after the kill');
    expect(fx.logs.some((l) => /session expired/.test(l))).toBe(true);
    await survivor.consumer.disconnect();
  });

  it('resumes from the committed offset after a consumer restart and after a broker restart (eachBatch, idempotent producer)', async () => {
    const produce = async (from: number, to: number): Promise<void> => {
      const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      const messages = [];
      for (let i = from; i < to; i++) messages.push({ key: `k${i}`, value: String(i) });
      await producer.send({ topic: TOPIC, messages });
      await producer.disconnect();
    };
    const consumeUntil = async (want: number): Promise<number[]> => {
      const consumer = kafka.consumer({ groupId: 'resumer', maxWaitTimeInMs: 200 });
      await consumer.connect();
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      const got: number[] = [];
      await consumer.run({
        eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
          for (const message of batch.messages) {
            got.push(Number(String(message.value)));
            resolveOffset(message.offset);
          }
          await heartbeat();
        },
      });
      await waitFor(() => got.length >= want, 20_000, `${want} messages`);
      await consumer.disconnect();
      return got;
    };
    await produce(0, 100);
    expect((await consumeUntil(100)).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    await produce(100, 150);
    // A restarted consumer gets only what it has not committed.
    expect((await consumeUntil(50)).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => 100 + i));
    await produce(150, 170);
    const broker = await fx.restart();
    kafka = new Kafka(kafkaConfig(broker.address, 'groups-after-restart'));
    // Topics, records and committed offsets survived the restart.
    expect((await consumeUntil(20)).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => 150 + i));
    const admin = kafka.admin();
    await admin.connect();
    const meta = await admin.fetchTopicMetadata({ topics: [TOPIC] });
    const offsets = await admin.fetchOffsets({ groupId: 'resumer', topics: [TOPIC] });
    const high = await admin.fetchTopicOffsets(TOPIC);
    await admin.disconnect();
    expect(meta.topics[0]?.partitions).toHaveLength(4);
    const committed = offsets[0]?.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
    expect(committed).toBe(170);
    expect(high.reduce((sum, p) => sum + Number(p.high), 0)).toBe(170);
  });
});
