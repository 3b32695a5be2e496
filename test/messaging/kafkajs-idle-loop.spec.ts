import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type RunningBroker } from '@kopir/kafka-broker';
import { BatchingProducer, createKafka, ensureTopics, silentLogger } from '@kopir/messaging';

jest.setTimeout(60_000);

// kafkajs's own module, the one patchKafkajsIdleLoop patches (see libs/messaging/src/kafkajs-idle-loop.ts).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as { prototype: { checkPendingRequests(): void } };

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('kafkajs idle timer loop (tulios/kafkajs #1556, #1704)', () => {
  let dir: string;
  let broker: RunningBroker;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kopir-idle-loop-'));
    broker = await startBroker({ dataDir: dir, port: 0 });
  });
  afterAll(async () => {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a client made by createKafka wakes no timer while its connections are idle, and still delivers', async () => {
    const kafka = createKafka({ brokers: [broker.address], clientId: 'idle', logger: silentLogger });
    await ensureTopics(kafka, [{ topic: 'idle-loop', numPartitions: 1 }]);
    const producer = kafka.producer();
    await producer.connect();
    const batching = new BatchingProducer(producer, { acks: 1 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => batching.send('idle-loop', { value: String(i) })));

    const checks = jest.spyOn(RequestQueue.prototype, 'checkPendingRequests');
    try {
      await delay(300);
      // Unpatched, kafkajs 2.2.4 re-arms a 1 ms timer for ever after the first answer: ~150-300 checks here.
      expect(checks.mock.calls.length).toBeLessThan(5);
      // Requests still go out and are answered after the idle spell.
      await batching.send('idle-loop', { value: 'after' });
      const admin = kafka.admin();
      await admin.connect();
      const offsets = await admin.fetchTopicOffsets('idle-loop');
      await admin.disconnect();
      expect(offsets[0]?.high).toBe('21');
    } finally {
      checks.mockRestore();
      await producer.disconnect();
    }
  });
});
