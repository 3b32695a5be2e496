import { execFile } from 'node:child_process';
import { Kafka, Partitioners } from 'kafkajs';
import { brokerFixture, kafkaConfig, type BrokerFixture } from './broker-fixture';

jest.setTimeout(60_000);

/** Runs kcat (librdkafka 2.x, Debian's package) against the broker; resolves with its stdout. */
function kcat(args: readonly string[], input?: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile('kcat', [...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`kcat ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
    child.stdin?.end(input ?? '');
  });
}

describe('embedded broker with kcat (librdkafka): an independent client', () => {
  let fx: BrokerFixture;
  beforeEach(async () => {
    fx = await brokerFixture();
  });
  afterEach(async () => {
    await fx.dispose();
  });

  it('lists metadata (-L) with this broker and the topics kafkajs created', async () => {
    const admin = new Kafka(kafkaConfig(fx.broker.address, 'admin')).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'listed', numPartitions: 2 }] });
    await admin.disconnect();
    const { stdout } = await kcat(['-b', fx.broker.address, '-L']);
    expect(stdout).toContain(`broker 0 at ${fx.broker.address}`);
    expect(stdout).toMatch(/topic "listed" with 2 partitions/);
  });

  it('produces (-P) what kafkajs consumes, and consumes (-C) what kafkajs produced', async () => {
    await kcat(['-b', fx.broker.address, '-P', '-t', 'from-kcat', '-p', '0', '-K', ':'], 'k1:one\nk2:two\nk3:three\n');
    const kafka = new Kafka(kafkaConfig(fx.broker.address, 'peer'));
    const consumer = kafka.consumer({ groupId: 'kafkajs-reads-kcat', maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'from-kcat', fromBeginning: true });
    const got: string[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: ({ message }) => {
          got.push(`${String(message.key)}=${String(message.value)}`);
          if (got.length === 3) resolve();
          return Promise.resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(got).toEqual(['k1=one', 'k2=two', 'k3=three']);

    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic: 'to-kcat', messages: ['a', 'b', 'c'].map((value) => ({ value, partition: 1 })) });
    await producer.disconnect();
    const { stdout } = await kcat(['-b', fx.broker.address, '-C', '-t', 'to-kcat', '-p', '1', '-e', '-f', '%o:%s\n']);
    expect(stdout).toBe('0:a\n1:b\n2:c\n');
  });

  it('consumes as a balanced consumer group (-G), commits, and resumes from the committed offset', async () => {
    await kcat(['-b', fx.broker.address, '-P', '-t', 'grouped', '-p', '0'], 'a\nb\n');
    const group = ['-b', fx.broker.address, '-G', 'kcat-group', '-X', 'auto.offset.reset=earliest', '-e', '-f', '%s\n'];
    const first = await kcat([...group, 'grouped']);
    expect(first.stdout).toBe('a\nb\n');
    await kcat(['-b', fx.broker.address, '-P', '-t', 'grouped', '-p', '0'], 'c\n');
    const second = await kcat([...group, 'grouped']);
    expect(second.stdout).toBe('c\n');
    const admin = new Kafka(kafkaConfig(fx.broker.address, 'admin')).admin();
    await admin.connect();
    const offsets = await admin.fetchOffsets({ groupId: 'kcat-group', topics: ['grouped'] });
    await admin.disconnect();
    expect(offsets[0]?.partitions.find((p) => p.partition === 0)?.offset).toBe('3');
  });
});
