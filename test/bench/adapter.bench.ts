/**
 * `npm run bench -- adapter [requests]`: what one adapter instance (mju/population, person-by-iin) serves with the
 * SDK's checks and signing, beside the same query called directly in the same run. Rows: the direct query (the
 * baseline), raw ES256 verify + sign of an envelope-sized input (the cryptographic floor every request pays), the
 * same with Ed25519 for comparison, @kopir/envelope's verify + sign, the SDK's path with a handler that answers
 * without a query (what the SDK alone costs), the SDK's check of a full answer against its published schema alone,
 * the SDK's request path in process (verify envelope, replay guard, schema, query, answer schema, mask, sign
 * answer), and the same adapter served from Kafka (embedded broker on loopback, one instance, ADAPTER_CONCURRENCY
 * 16). Target: the SDK's overhead over the direct query ≤ 100 µs per request.
 */
import { generateKeyPairSync, randomUUID, sign, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AdapterTestBed, RegistryService, type AdapterDefinition } from '@kopir/adapter-sdk';
import { signAnswer, verifyEnvelope } from '@kopir/envelope';
import { serviceValidators } from '@kopir/federation';
import { parseAgencyCode, replyTopic, requestTopic } from '@kopir/contracts';
import { startBroker } from '@kopir/kafka-broker';
import { MESSAGE_HEADERS, createKafka, ensureTopics, silentLogger } from '@kopir/messaging';
import {
  PERSON_FIELDS,
  PopulationQueries,
  PopulationRepository,
  generateDataset,
  registryFiles,
  seedRegistries,
} from '@kopir/reference-registries';
import { populationAdapter } from '../../apps/adapters/population/src/population.adapter';
import { printTable } from './measure';

const MJU = parseAgencyCode('mju');
const PEOPLE = 5000;
const SEED = 42;
const GRANTED = ['iin', 'lastName', 'firstName', 'birthDate', 'address'];

const WARM_UP = 1000;

/** A handler that answers a person it already holds: the SDK's path without a query (nothing to share the CPU). */
class ConstantPerson {
  static answer: unknown;
  @RegistryService('person-by-iin')
  person(): unknown {
    return ConstantPerson.answer;
  }
}

function constantAdapter(population: AdapterDefinition): AdapterDefinition {
  return { system: population.system, handlers: [ConstantPerson], services: population.services ?? [] };
}

/** Runs `op` for i = 0..count-1 after WARM_UP untimed calls (i = count..count+WARM_UP-1), so the JIT has settled. */
async function timed(count: number, op: (i: number) => unknown): Promise<number> {
  for (let i = count; i < count + WARM_UP; i++) await op(i);
  const start = performance.now();
  for (let i = 0; i < count; i++) await op(i);
  return performance.now() - start;
}

export async function run(args: readonly string[]): Promise<void> {
  const requests = Number(args[0] ?? 4000);
  const dir = mkdtempSync(join(tmpdir(), 'kopir-adapter-bench-'));
  const dataDir = join(dir, 'registries');
  seedRegistries({ dir: dataDir, people: PEOPLE, seed: SEED });
  const iins = generateDataset({ people: PEOPLE, seed: SEED }).people.map((p) => p.iin);
  const iin = (i: number): string => iins[(i * 7919) % iins.length] as string;
  const broker = await startBroker({ dataDir: join(dir, 'broker'), port: 0, log: () => undefined });
  const kafka = createKafka({ brokers: [broker.address], clientId: 'bench', logger: silentLogger });
  await ensureTopics(kafka, [
    { topic: requestTopic(MJU), numPartitions: 3 },
    { topic: replyTopic('bench'), numPartitions: 1 },
  ]);
  const repository = PopulationRepository.open(registryFiles(dataDir).population);
  const queries = new PopulationQueries(repository);
  ConstantPerson.answer = queries.personByIin({ iin: iin(0) });
  const local = await AdapterTestBed.start(populationAdapter({ dataDir }));
  const constant = await AdapterTestBed.start(constantAdapter(populationAdapter({ dataDir })));
  // Started after the in-process rows: its consumer's fetch loop would otherwise share the CPU with them.
  let served: AdapterTestBed | undefined;
  try {
    const sign1 = (bed: AdapterTestBed, n: number): Promise<string[]> =>
      Promise.all(
        Array.from({ length: n }, (_, i) => bed.envelope('person-by-iin', { iin: iin(i) }, { fields: GRANTED })),
      );

    // Baseline: the query itself, as a handler calls it.
    const directMs = await timed(requests, (i) => queries.personByIin({ iin: iin(i) }));

    // Floor: what ES256 alone costs per request (verify the envelope, sign the answer).
    const envelopes = await sign1(local, requests + WARM_UP);
    const sample = Buffer.from(envelopes[0] as string);
    const key = local.gatewayKey;
    const signature = sign('sha256', sample, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
    const cryptoMs = await timed(requests, () => {
      verify('sha256', sample, { key: key.publicKey, dsaEncoding: 'ieee-p1363' }, signature);
      sign('sha256', sample, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
    });
    // The same with Ed25519 (EdDSA, in the allow-list), to see whether a change of algorithm would pay.
    const ed = generateKeyPairSync('ed25519');
    const edSignature = sign(null, sample, ed.privateKey);
    const ed25519Ms = await timed(requests, () => {
      verify(null, sample, ed.publicKey, edSignature);
      sign(null, sample, ed.privateKey);
    });

    // What @kopir/envelope costs per request: verifyEnvelope + signAnswer (canonical JSON, JWS checks, ES256).
    const answerBody = queries.personByIin({ iin: iin(0) });
    const envelopeMs = await timed(requests, async (i) => {
      const e = await verifyEnvelope(envelopes[i] as string, key.publicKey);
      await signAnswer(
        envelopes[i] as string,
        { requestId: e.requestId, status: 'ok', body: answerBody },
        key.privateKey,
        {
          kid: 'k',
        },
      );
    });

    // The SDK's check of each full answer against the service's published answer schema, alone (real answers).
    const validate = serviceValidators(local.document).get('mju/population/person-by-iin')?.response;
    if (validate === undefined) throw new Error('person-by-iin has no answer schema');
    const answers = Array.from({ length: requests + WARM_UP }, (_, i) => queries.personByIin({ iin: iin(i) }));
    let valid = 0;
    const schemaMs = await timed(requests, (i) => {
      if (validate(answers[i])) valid++;
    });
    if (valid !== requests + WARM_UP) throw new Error(`only ${valid} of ${requests + WARM_UP} answers were valid`);

    // The SDK's request path in process: every envelope is new (the replay guard would refuse a repeat).
    let ok = 0;
    const sdkMs = await timed(requests, async (i) => {
      const done = await local.runtime.processor.process(envelopes[i] as string, 'k');
      if (done?.status === 'ok') ok++;
    });
    if (ok !== requests + WARM_UP) throw new Error(`only ${ok} of ${requests + WARM_UP} in-process requests were ok`);

    // The SDK's path with a handler that does no query: what the SDK itself costs, crypto included.
    const constantEnvelopes = await sign1(constant, requests + WARM_UP);
    let constantOk = 0;
    const constantMs = await timed(requests, async (i) => {
      const done = await constant.runtime.processor.process(constantEnvelopes[i] as string, 'k');
      if (done?.status === 'ok') constantOk++;
    });
    if (constantOk !== requests + WARM_UP) throw new Error(`only ${constantOk} constant-handler requests were ok`);

    // From Kafka: produce every request, count the replies on the reply topic.
    served = await AdapterTestBed.start(populationAdapter({ dataDir }), { kafka, concurrency: 16 });
    const kafkaBed = served;
    const kafkaEnvelopes = await sign1(kafkaBed, requests);
    const consumer = kafka.consumer({ groupId: `bench-${randomUUID()}`, maxWaitTimeInMs: 50 });
    const producer = kafka.producer();
    await consumer.connect();
    await producer.connect();
    await consumer.subscribe({ topic: replyTopic('bench'), fromBeginning: false });
    let replies = 0;
    let okReplies = 0;
    let allReplied: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (allReplied = resolve));
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({
      eachMessage: async ({ message }) => {
        replies++;
        if (
          (
            await kafkaBed.verify(
              message.value?.toString() ?? '',
              kafkaEnvelopes[Number(message.key?.toString())] as string,
            )
          ).status === 'ok'
        )
          okReplies++;
        if (replies === requests) allReplied();
      },
    });
    await joined;
    const start = performance.now();
    for (let offset = 0; offset < requests; offset += 500) {
      await producer.send({
        topic: requestTopic(MJU),
        messages: kafkaEnvelopes.slice(offset, offset + 500).map((value, j) => ({
          key: String(offset + j),
          value,
          headers: {
            [MESSAGE_HEADERS.replyTo]: replyTopic('bench'),
            [MESSAGE_HEADERS.correlationId]: String(offset + j),
          },
        })),
      });
    }
    await done;
    const kafkaMs = performance.now() - start;
    await consumer.disconnect();
    await producer.disconnect();
    if (okReplies !== requests) throw new Error(`only ${okReplies} of ${requests} Kafka replies were ok`);

    const us = (ms: number): number => (ms * 1000) / requests;
    const perSecond = (ms: number): number => (requests * 1000) / ms;
    const row = (name: string, ms: number, over: number | null = directMs): (string | number)[] => [
      name,
      perSecond(ms),
      us(ms),
      over === null ? '-' : (us(ms) - us(over)).toFixed(1),
    ];
    process.stdout.write(
      `${requests} requests of mju/population/person-by-iin, ${PEOPLE} people, ${GRANTED.length} of ${PERSON_FIELDS.length} fields granted\n`,
    );
    printTable(
      ['path', 'requests/s', 'µs/request', 'µs over direct'],
      [
        row('direct query (baseline)', directMs, null),
        row('ES256 verify + sign only (crypto floor)', cryptoMs, null),
        row('Ed25519 verify + sign only (for comparison)', ed25519Ms, null),
        row('@kopir/envelope verifyEnvelope + signAnswer', envelopeMs, null),
        row('answer schema check only (ajv, full answer)', schemaMs, null),
        row('SDK path, handler without query', constantMs, null),
        row('SDK request path, in process', sdkMs),
        row('SDK served from Kafka (1 instance, concurrency 16)', kafkaMs),
      ],
    );
    const overhead = us(sdkMs) - us(directMs);
    const sdkAlone = us(constantMs);
    process.stdout.write(
      `SDK overhead over the direct query ${overhead.toFixed(1)} µs/request (target ≤ 100 µs).\n` +
        `SDK alone (handler without query) ${sdkAlone.toFixed(1)} µs = crypto floor (ES256 verify + sign) ` +
        `${us(cryptoMs).toFixed(1)} µs + the SDK's own work ${(sdkAlone - us(cryptoMs)).toFixed(1)} µs ` +
        `(of which @kopir/envelope's, besides the crypto, ${(us(envelopeMs) - us(cryptoMs)).toFixed(1)} µs; ` +
        `the answer schema check ${us(schemaMs).toFixed(1)} µs).\n` +
        `The query costs ${(us(sdkMs) - sdkAlone).toFixed(1)} µs inside the SDK's path against ${us(directMs).toFixed(1)} µs ` +
        `in a tight loop (most likely the query sharing CPU caches and GC with the crypto; the SDK does no work there).\n` +
        `Ed25519 verify + sign: ${us(ed25519Ms).toFixed(1)} µs (ES256: ${us(cryptoMs).toFixed(1)} µs).\n`,
    );
  } finally {
    await served?.close();
    await local.close();
    await constant.close();
    repository.close();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
