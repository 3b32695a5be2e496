import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { parseSystemId, replyTopic, requestTopic } from '@kopir/contracts';
import type { ServiceDefinition } from '@kopir/federation';
import { startBroker, type RunningBroker } from '@kopir/kafka-broker';
import { MESSAGE_HEADERS, createKafka, ensureTopics, silentLogger } from '@kopir/messaging';
import { generateKeyPair, generateSigningKey, keyThumbprint } from '@kopir/pki';
import type * as JestGlobals from '@jest/globals';
import type { AdapterDefinition } from '../adapter.module';
import { AdapterTestBed } from './adapter-test-bed';
import { listeningTcpSockets } from './listening-sockets';

/** A request one of the adapter's services answers with data. */
export interface ContractSample {
  /** Short service name (`person-by-iin`) or full id. */
  readonly service: string;
  readonly body: unknown;
  /** Every top-level field of its full answer that the test may grant (the kit grants them all, then one). */
  readonly fields: readonly string[];
}

export interface AdapterContractOptions {
  /** The adapter under test, as its app defines it (built afresh for the suite). */
  readonly definition: () => AdapterDefinition;
  /** Service definitions (schemas, fields) the test federation carries (default: the definition's `services`). */
  readonly services?: readonly ServiceDefinition[];
  /** A request that succeeds, per service worth checking (at least one). */
  readonly samples: readonly ContractSample[];
  /** Bodies every one of which breaks its service's request schema. */
  readonly invalidBodies: readonly { readonly service: string; readonly body: unknown }[];
  /** Also run one request through the embedded Kafka broker and back (default true). */
  readonly kafka?: boolean;
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function keysOf(body: unknown): string[] {
  return body !== null && typeof body === 'object' ? Object.keys(body) : [];
}

/** A member no adapter answers, which the kit makes an answer schema require. */
const CONTRACT_PROBE = 'kopir-contract-probe';

/** The string values of an answer long enough not to occur by chance in a problem's text. */
function leafStrings(value: unknown): string[] {
  if (typeof value === 'string') return value.length >= 4 ? [value] : [];
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap(leafStrings);
}

/**
 * The adapter contract (docs/integrators.md "The SDK's contract"): every adapter's tests call it with their app's
 * definition. It starts the adapter's real Nest application context and tries to break each rule the SDK promises:
 * unsigned, forged, expired and replayed envelopes are refused before any handler runs (a replay is the same client
 * system's request id again; another system's use of an id is its own request); a body encrypted to the
 * adapter's key is opened and answered encrypted under that request's answer key, one encrypted to another key
 * refused (in clear: no key agreement succeeded, and the refusal holds no data); a field outside the rule's
 * mask never leaves; an answer outside the service's published answer schema is never sent; bodies that break the
 * request schema are refused; services of other systems are left alone; and the adapter holds no listening TCP
 * socket.
 */
export function adapterContractSuite(options: AdapterContractOptions): void {
  // Jest's globals, read when a test file calls the kit: the SDK's index is also loaded by adapters in production,
  // where a runtime import of @jest/globals would throw.
  const { describe, it, expect, beforeAll, afterAll } = globalThis as unknown as typeof JestGlobals;
  const definition = options.definition();
  const services = options.services ?? definition.services;
  describe(`adapter contract: ${definition.system}`, () => {
    let bed: AdapterTestBed;
    let listeningBefore: Set<string>;
    const sample = options.samples[0];
    if (sample === undefined) throw new Error('adapterContractSuite needs at least one sample');

    beforeAll(async () => {
      listeningBefore = listeningTcpSockets();
      bed = await AdapterTestBed.start(definition, services ? { services } : {});
    });
    afterAll(async () => {
      await bed.close();
    });

    it('answers a valid envelope with an ok answer signed by the adapter and bound to that envelope', async () => {
      for (const s of options.samples) {
        const answer = await bed.call(s.service, s.body, { fields: s.fields });
        // On failure, the problem shows (e.g. where the answer broke the service's published answer schema).
        expect(answer.status === 'ok' ? 'ok' : answer.body).toBe('ok');
        expect(keysOf(answer.body).length).toBeGreaterThan(0);
      }
    });

    it('opens a body encrypted to its key and answers it encrypted under the request key; refuses one for another key', async () => {
      for (const s of options.samples) {
        const answer = await bed.call(s.service, s.body, { fields: s.fields, encrypt: true });
        expect(answer.status === 'ok' ? 'ok' : answer.body).toBe('ok');
        expect(answer.encrypted).toBe(true);
        expect(keysOf(answer.body).length).toBeGreaterThan(0);
      }
      const elsewhere = generateKeyPair('P-256').publicKey;
      const refused = await bed.call(sample.service, sample.body, { fields: sample.fields, encryptTo: elsewhere });
      expect(refused).toMatchObject({ status: 'signature_invalid', encrypted: false });
    });

    it('refuses an unsigned envelope (alg none) as signature_invalid, with no data', async () => {
      const signed = await bed.envelope(sample.service, sample.body, { fields: sample.fields });
      const payload = signed.split('.')[1] ?? '';
      for (const unsigned of [
        `${base64url({ alg: 'none', typ: 'kopir-envelope+jws', kid: keyThumbprint(bed.gatewayKey.publicKey) })}.${payload}.`,
        `${signed.split('.')[0] ?? ''}.${payload}.`,
        payload,
      ]) {
        const answer = await bed.send(unsigned);
        expect(answer?.status).toBe('signature_invalid');
        expect(answer?.body).toMatchObject({ code: 'signature_invalid' });
        expect(keysOf(answer?.body)).not.toEqual(expect.arrayContaining(sample.fields.slice(0, 1)));
      }
    });

    it('refuses envelopes forged with another key, under its own kid or under the gateway kid', async () => {
      const attacker = generateSigningKey('ES256').privateKey;
      for (const kid of [undefined, keyThumbprint(bed.gatewayKey.publicKey)]) {
        const forged = await bed.envelope(sample.service, sample.body, {
          fields: sample.fields,
          key: attacker,
          ...(kid === undefined ? {} : { kid }),
        });
        expect((await bed.send(forged))?.status).toBe('signature_invalid');
      }
      // A signature by the adapter's own key (a system key, not a gateway key) is no envelope either.
      const own = await bed.envelope(sample.service, sample.body, { key: bed.adapterKey.privateKey });
      expect((await bed.send(own))?.status).toBe('signature_invalid');
    });

    it('refuses an expired envelope and one issued in the future as request_expired', async () => {
      const old = await bed.envelope(sample.service, sample.body, { now: new Date(Date.now() - 10 * 60_000) });
      expect((await bed.send(old))?.status).toBe('request_expired');
      const future = await bed.envelope(sample.service, sample.body, { now: new Date(Date.now() + 10 * 60_000) });
      expect((await bed.send(future))?.status).toBe('request_expired');
    });

    it('answers a request once: the same envelope again, or its id in a new envelope, is replay_detected', async () => {
      const requestId = randomUUID();
      const envelope = await bed.envelope(sample.service, sample.body, { fields: sample.fields, requestId });
      expect((await bed.send(envelope))?.status).toBe('ok');
      const again = await bed.send(envelope);
      expect(again?.status).toBe('replay_detected');
      expect(keysOf(again?.body)).not.toContain(sample.fields[0]);
      const reused = await bed.envelope(sample.service, sample.body, { fields: sample.fields, requestId });
      expect((await bed.send(reused))?.status).toBe('replay_detected');
    });

    it('refuses a request about someone else than its declared subject, before any handler runs', async () => {
      for (const s of options.samples) {
        const field = (services ?? []).find((d) => d.id === bed.serviceId(s.service))?.subjectField;
        if (field === undefined) continue;
        const answer = await bed.call(s.service, s.body, { fields: s.fields, subject: 'someone-else' });
        expect(answer.status).toBe('request_invalid');
        expect(keysOf(answer.body)).not.toContain(s.fields[0]);
      }
    });

    it("takes a request id as its client system's own: another system's request with the same id is answered", async () => {
      const requestId = randomUUID();
      const first = await bed.envelope(sample.service, sample.body, { fields: sample.fields, requestId });
      expect((await bed.send(first))?.status).toBe('ok');
      const other = await bed.envelope(sample.service, sample.body, {
        fields: sample.fields,
        requestId,
        client: 'contract/other-system',
      });
      expect((await bed.send(other))?.status).toBe('ok');
    });

    it('never returns a field outside the mask', async () => {
      for (const s of options.samples) {
        const full = await bed.call(s.service, s.body, { fields: s.fields });
        const fullKeys = keysOf(full.body);
        for (const granted of [[], s.fields.slice(0, 1), ['not-a-field']]) {
          const masked = await bed.call(s.service, s.body, { fields: granted });
          expect(masked.status).toBe('ok');
          for (const key of keysOf(masked.body)) expect(granted).toContain(key);
        }
        // The service really had more to say: the mask removed it.
        expect(fullKeys.length).toBeGreaterThan(1);
        expect(fullKeys.every((k) => s.fields.includes(k))).toBe(true);
      }
    });

    it('never sends an answer outside the published answer schema: provider_error, with no data', async () => {
      // The same adapter in a federation whose answer schema of the sample's service also requires a member the
      // adapter never answers: its real answer no longer matches what consumers were promised.
      const id = sample.service.includes('/') ? sample.service : `${definition.system}/${sample.service}`;
      const stricter = (services ?? []).map((s) =>
        s.id === id ? { ...s, response: { allOf: [s.response, { required: [CONTRACT_PROBE] }] } } : s,
      );
      const data = leafStrings((await bed.call(sample.service, sample.body, { fields: sample.fields })).body);
      expect(data.length).toBeGreaterThan(0);
      const strictBed = await AdapterTestBed.start(options.definition(), { services: stricter });
      try {
        const refused = await strictBed.call(sample.service, sample.body, { fields: sample.fields });
        expect(refused.status).toBe('provider_error');
        expect(refused.body).toMatchObject({ code: 'provider_error', status: 502 });
        expect((refused.body as { detail?: string }).detail).toContain(`/${CONTRACT_PROBE} required`);
        const signed = JSON.stringify(refused.answer);
        for (const value of data) expect(signed).not.toContain(value);
      } finally {
        await strictBed.close();
      }
    });

    it('refuses bodies that break the request schema as request_invalid', async () => {
      expect(options.invalidBodies.length).toBeGreaterThan(0);
      for (const invalid of options.invalidBodies) {
        const answer = await bed.call(invalid.service, invalid.body);
        expect(answer.status).toBe('request_invalid');
        expect(answer.body).toMatchObject({ code: 'request_invalid', status: 400 });
      }
    });

    it('answers service_unknown for a service of its system it does not provide, and leaves other systems alone', async () => {
      const unknown = await bed.call(`${definition.system}/no-such-service`, {});
      expect(unknown.status).toBe('service_unknown');
      const { agency } = parseSystemId(definition.system);
      const other = await bed.envelope(`${agency}/another-system-x/${sample.service.split('/').pop() ?? ''}`, {});
      expect(await bed.send(other)).toBeUndefined();
    });

    it('opens no listening TCP socket and runs as a standalone application context (no HTTP server)', () => {
      const added = [...listeningTcpSockets()].filter((inode) => !listeningBefore.has(inode));
      expect(added).toEqual([]);
      expect('getHttpServer' in bed.app).toBe(false);
      expect(bed.runtime.health.snapshot().state).toBe('ready');
    });

    if (options.kafka !== false) {
      describe('through Kafka', () => {
        let broker: RunningBroker;
        let dir: string;
        let kafkaBed: AdapterTestBed;
        beforeAll(async () => {
          dir = mkdtempSync(join(tmpdir(), 'kopir-adapter-contract-'));
          broker = await startBroker({ dataDir: join(dir, 'broker'), port: 0, log: () => undefined });
          const kafka = createKafka({ brokers: [broker.address], clientId: 'contract', logger: silentLogger });
          const { agency } = parseSystemId(definition.system);
          await ensureTopics(kafka, [
            { topic: requestTopic(agency), numPartitions: 2 },
            { topic: replyTopic('contract'), numPartitions: 1 },
          ]);
          kafkaBed = await AdapterTestBed.start(options.definition(), {
            ...(services ? { services } : {}),
            kafka,
          });
        });
        afterAll(async () => {
          await kafkaBed?.close();
          await broker?.stop();
          rmSync(dir, { recursive: true, force: true });
        });

        it('consumes the agency request topic and replies to the reply-to topic with the correlation id', async () => {
          const kafka = createKafka({ brokers: [broker.address], clientId: 'contract-gw', logger: silentLogger });
          const consumer = kafka.consumer({ groupId: `contract-${randomUUID()}`, maxWaitTimeInMs: 100 });
          const producer = kafka.producer();
          await consumer.connect();
          await producer.connect();
          try {
            await consumer.subscribe({ topic: replyTopic('contract'), fromBeginning: true });
            const replies: { correlationId: string | undefined; value: string }[] = [];
            await consumer.run({
              eachMessage: ({ message }) => {
                const header = message.headers?.[MESSAGE_HEADERS.correlationId];
                replies.push({ correlationId: header?.toString(), value: message.value?.toString() ?? '' });
                return Promise.resolve();
              },
            });
            const requestId = randomUUID();
            const envelope = await kafkaBed.envelope(sample.service, sample.body, { fields: sample.fields, requestId });
            const { agency } = parseSystemId(definition.system);
            await producer.send({
              topic: requestTopic(agency),
              messages: [
                {
                  key: requestId,
                  value: envelope,
                  headers: {
                    [MESSAGE_HEADERS.replyTo]: replyTopic('contract'),
                    [MESSAGE_HEADERS.correlationId]: 'corr-1',
                  },
                },
              ],
            });
            while (replies.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
            const reply = replies[0];
            expect(reply?.correlationId).toBe('corr-1');
            const answer = await kafkaBed.verify(reply?.value ?? '', envelope);
            expect(answer.status).toBe('ok');
            expect(answer.answer.requestId).toBe(requestId);
          } finally {
            await consumer.disconnect();
            await producer.disconnect();
          }
        });
      });
    }
  });
}
