/**
 * `npm run bench -- broker`: the embedded broker with kafkajs 2.2.4 on loopback. Produce and consume throughput of
 * 1 KB messages in batches, and a request-response round trip (requester → topic → responder → reply topic →
 * requester, as the gateway and adapters do) at a fixed 500 requests/s; beside a raw TCP echo round trip measured in
 * the same run, the floor of any broker on this machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { startBroker } from '@kopir/kafka-broker';
import { percentile, printTable } from './measure';

const MESSAGES = 100_000;
const BATCH = 1000;
const RATE = 500;
const REQUESTS = 2500;

async function tcpEchoRoundTrips(count: number): Promise<number[]> {
  const server = createServer((s) => s.pipe(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const socket = connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  await new Promise((resolve) => socket.once('connect', resolve));
  const payload = Buffer.alloc(200, 1);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await new Promise<void>((resolve) => {
      let got = 0;
      const onData = (chunk: Buffer): void => {
        got += chunk.length;
        if (got >= payload.length) {
          socket.off('data', onData);
          resolve();
        }
      };
      socket.on('data', onData);
      socket.write(payload);
    });
    times.push(performance.now() - start);
  }
  socket.destroy();
  await new Promise((resolve) => server.close(resolve));
  return times;
}

export async function run(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kopir-bench-broker-'));
  const broker = await startBroker({ dataDir, defaultPartitions: 4 });
  try {
    const kafka = new Kafka({ brokers: [broker.address], clientId: 'bench', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: ['bench', 'bench.req', 'bench.reply'].map((topic) => ({ topic, numPartitions: 4 })),
    });
    await admin.disconnect();

    // Produce: 4 concurrent senders, batches of 1000 × 1 KB, acks=-1 (kafkajs's default: flushed before the answer).
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const value = Buffer.alloc(1024, 'x');
    const batch = Array.from({ length: BATCH }, (_, i) => ({ key: String(i), value }));
    let sent = 0;
    const produceStart = performance.now();
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (sent < MESSAGES) {
          sent += BATCH;
          await producer.send({ topic: 'bench', messages: batch });
        }
      }),
    );
    const produceRate = (sent * 1000) / (performance.now() - produceStart);

    // Consume the same messages with one consumer, eachBatch.
    const consumer = kafka.consumer({ groupId: 'bench', maxWaitTimeInMs: 100, maxBytes: 16 * 1024 * 1024 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'bench', fromBeginning: true });
    let consumed = 0;
    let consumeStart = 0;
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachBatch: ({ batch: b }) => {
          if (consumeStart === 0) consumeStart = performance.now();
          consumed += b.messages.length;
          if (consumed >= sent) resolve();
          return Promise.resolve();
        },
      });
    });
    const consumeRate = (consumed * 1000) / (performance.now() - consumeStart);
    await consumer.disconnect();

    // Request-response at a fixed rate: a responder consumes requests and produces replies keyed by request id.
    const responder = kafka.consumer({ groupId: 'bench-responder', maxWaitTimeInMs: 100 });
    const replier = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await replier.connect();
    await responder.connect();
    await responder.subscribe({ topic: 'bench.req' });
    await responder.run({
      eachMessage: async ({ message }) => {
        await replier.send({ topic: 'bench.reply', acks: 1, messages: [{ key: message.key, value: message.value }] });
      },
    });
    const requester = kafka.consumer({ groupId: 'bench-requester', maxWaitTimeInMs: 100 });
    const pending = new Map<string, number>();
    const latencies: number[] = [];
    await requester.connect();
    await requester.subscribe({ topic: 'bench.reply' });
    let joined = false;
    requester.on(requester.events.GROUP_JOIN, () => (joined = true));
    await requester.run({
      eachMessage: ({ message }) => {
        const start = pending.get(String(message.key));
        if (start !== undefined) {
          latencies.push(performance.now() - start);
          pending.delete(String(message.key));
        }
        return Promise.resolve();
      },
    });
    while (!joined) await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const requestStart = performance.now();
    for (let i = 0; i < REQUESTS; i++) {
      const due = requestStart + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const id = `r${i}`;
      pending.set(id, performance.now());
      void producer.send({ topic: 'bench.req', acks: 1, messages: [{ key: id, value: '{"q":1}' }] });
    }
    const deadline = performance.now() + 10_000;
    while (latencies.length < REQUESTS && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await requester.disconnect();
    await responder.disconnect();
    await replier.disconnect();
    await producer.disconnect();

    const echo = await tcpEchoRoundTrips(REQUESTS);
    printTable(
      ['measure', 'embedded broker (kafkajs)', 'raw TCP echo (baseline)', 'target'],
      [
        ['produce, 1 KB, batches of 1000, acks=-1 (msg/s)', produceRate, '', '≥ 50,000'],
        ['consume, 1 KB, eachBatch (msg/s)', consumeRate, '', '≥ 50,000'],
        [`request-response at ${RATE}/s, acks=1, p50 (ms)`, percentile(latencies, 50), percentile(echo, 50), '≤ 2'],
        [`request-response at ${RATE}/s, acks=1, p99 (ms)`, percentile(latencies, 99), percentile(echo, 99), '≤ 10'],
        ['request-response answered', `${latencies.length}/${REQUESTS}`, `${echo.length}/${REQUESTS}`, ''],
      ],
    );
  } finally {
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
