/**
 * Encrypted bodies end to end (docs/security.md, "Encrypted bodies"): with the development federation, which
 * requires them of mju/population, no request body and no answer body crosses Kafka in clear, while the caller gets
 * the plaintext answer with the provider's signature over it, checked by the unchanged KopirClient. The proof reads
 * the raw messages of kopir.req.mju and of the gateway's reply topic (and base64url-decodes every part of them, as
 * anyone reading a topic could); the same calls through a bed whose federation does not require encryption show the
 * data in those messages, so the check can fail. Then the provider's faults: an answer in clear, an answer
 * encrypted under another request's answer key (one with the same request id, or one for another request id), each
 * a 502 provider_error with its audit record.
 */
import { createPublicKey, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Consumer, Kafka } from 'kafkajs';
import { KopirCallError, KopirClient } from '@kopir/client';
import { AUDIT_EVENT_TYP, AUDIT_TOPIC, replyTopic, requestTopic, type AgencyCode } from '@kopir/contracts';
import { encryptAnswer, encryptBody, signAnswer, verifyJson } from '@kopir/envelope';
import { keyThumbprint, loadPrivateKey, loadPublicKey } from '@kopir/pki';
import { IIN, startGatewayTestBed, type Answerer, type GatewayTestBed } from './gateway-test-bed';

jest.setTimeout(180_000);

const SERVICE = 'mju/population/person-by-iin';
/** A name that occurs nowhere but in the answer body. */
const NAME = 'Zhanargul';
/** The request body's only member as it appears in JSON (the IIN alone is also the subject, which stays in clear). */
const BODY_MEMBER = `"iin":"${IIN}"`;

type Mode = 'answer' | 'clear' | 'wrong-key' | 'other-request';

/** Every message value of a topic, by Kafka key, read from the beginning by a group of its own. */
class TopicReader {
  readonly values = new Map<string, string[]>();
  private consumer: Consumer | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly topics: readonly string[],
  ) {}

  async start(): Promise<void> {
    this.consumer = this.kafka.consumer({ groupId: `raw-reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.topics], fromBeginning: true });
    await this.consumer.run({
      eachMessage: ({ topic, message }) => {
        const key = `${topic} ${message.key?.toString() ?? ''}`;
        this.values.set(key, [...(this.values.get(key) ?? []), message.value?.toString('latin1') ?? '']);
        return Promise.resolve();
      },
    });
  }

  /** The values under `key` on `topic` once there are `count` of them (within 20 s). */
  async of(topic: string, key: string, count = 1): Promise<string[]> {
    for (let i = 0; i < 400; i++) {
      const found = this.values.get(`${topic} ${key}`) ?? [];
      if (found.length >= count) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no message ${key} on ${topic}`);
  }

  /** The first value on `topic` that `match` accepts (within 20 s). */
  async find(topic: string, match: (value: string) => boolean): Promise<string> {
    for (let i = 0; i < 400; i++) {
      for (const [key, values] of this.values) {
        const found = key.startsWith(`${topic} `) ? values.find(match) : undefined;
        if (found !== undefined) return found;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no matching message on ${topic}`);
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

/** A message as anyone reading the topic can read it: the raw text and every dot-separated part base64url-decoded. */
function readable(value: string): string {
  const decoded = value.split('.').map((part) => Buffer.from(part, 'base64url').toString('latin1'));
  return [value, ...decoded].join('\n');
}

describe('encrypted bodies through the gateway', () => {
  let mode: Mode = 'answer';
  const answerer: Answerer = async (envelope, envelopeJws, bed) => {
    // What the provider reads is the decrypted body: the IIN it is asked about.
    const body = (await bed.body(envelope)) as { iin: string };
    const answer = { iin: body.iin, firstName: NAME };
    if (mode === 'answer') return bed.answer(envelopeJws, envelope, answer);
    const signed = await signAnswer(
      envelopeJws,
      { requestId: envelope.requestId, status: 'ok', body: answer },
      bed.providerKey,
      {
        kid: keyThumbprint(bed.providerKey),
      },
    );
    if (mode === 'clear') return signed;
    // The answer key of another key agreement with this provider: for the same request id (wrong-key), or for
    // another request (other-request). Neither is the key the gateway derived for this request.
    const requestId = mode === 'other-request' ? `${envelope.requestId}-other` : envelope.requestId;
    const provider = loadPublicKey(bed.paths.system('mju/population').encryption.publicKey);
    const { answerKey } = await encryptBody({ iin: body.iin }, provider, { requestId });
    return encryptAnswer(signed, answerKey);
  };

  async function callThrough(client: KopirClient): Promise<{ requestId: string; body: unknown }> {
    const requestId = randomUUID();
    const result = await client.call<{ iin: string; firstName: string }>(
      SERVICE,
      { iin: IIN },
      { purpose: 'driving-licence-issue', subject: IIN, requestId },
    );
    // KopirClient has verified the provider's signature over this very body (it throws otherwise).
    expect(result.answer.requestId).toBe(requestId);
    return { requestId, body: result.body };
  }

  describe('with the development federation (mju/population requires encrypted bodies)', () => {
    let bed: GatewayTestBed;
    let client: KopirClient;
    let reader: TopicReader;

    beforeAll(async () => {
      bed = await startGatewayTestBed('encryption', answerer);
      client = KopirClient.fromDevPki(bed.pki, 'psc/front-office', bed.gateway.url);
      reader = new TopicReader(bed.kafka, [
        requestTopic('mju' as AgencyCode),
        replyTopic('gw-encryption'),
        AUDIT_TOPIC,
      ]);
      await reader.start();
    });

    afterAll(async () => {
      await reader?.stop();
      client?.close();
      await bed?.close();
    });

    it('lets neither the body nor the answer cross Kafka in clear; the caller gets the plaintext, signature checked', async () => {
      mode = 'answer';
      const { requestId, body } = await callThrough(client);
      expect(body).toEqual({ iin: IIN, firstName: NAME });
      const [request] = await reader.of(requestTopic('mju' as AgencyCode), requestId);
      const [reply] = await reader.of(replyTopic('gw-encryption'), requestId);
      expect(readable(request ?? '')).not.toContain(BODY_MEMBER);
      expect(readable(request ?? '')).toContain('"bodyJwe":"');
      expect(readable(reply ?? '')).not.toContain(NAME);
      expect(readable(reply ?? '')).not.toContain(IIN);
      // The reply is a JWE (five parts) of type kopir-answer+jwe, bound to the request.
      expect(reply?.split('.')).toHaveLength(5);
      expect(readable(reply ?? '')).toContain('"typ":"kopir-answer+jwe"');
    });

    async function refusal(): Promise<{ error: KopirCallError; requestId: string }> {
      const requestId = randomUUID();
      try {
        await client.call(SERVICE, { iin: IIN }, { purpose: 'driving-licence-issue', subject: IIN, requestId });
      } catch (error) {
        if (error instanceof KopirCallError) return { error, requestId };
        throw error;
      }
      throw new Error('the call succeeded');
    }

    async function audited(requestId: string): Promise<Record<string, unknown>> {
      // Audit events travel in messages signed by the gateway (kopir-audit+jws over {"events":[...],"v":1}), under
      // the key the federation lists for it: the only ones the audit service appends. The caller's request id is a
      // member of the event.
      type Signed = { events: Record<string, unknown>[] };
      const ours = (events: Record<string, unknown>[]) => events.find((e) => e.requestId === requestId);
      const payload = (jws: string): Signed =>
        JSON.parse(Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString('utf8')) as Signed;
      const message = await reader.find(AUDIT_TOPIC, (v) => ours(payload(v).events) !== undefined);
      const gatewayKey = createPublicKey(loadPrivateKey(readFileSync(bed.paths.gateway.signing.key, 'utf8')));
      const verified = await verifyJson<Signed>(message, gatewayKey, { typ: AUDIT_EVENT_TYP });
      expect(verified.kid).toBe(keyThumbprint(gatewayKey));
      return ours(verified.payload.events) ?? {};
    }

    it('answers 502 provider_error, audited, when the provider answers in clear (and releases nothing of it)', async () => {
      mode = 'clear';
      const { error, requestId } = await refusal();
      expect(error.httpStatus).toBe(502);
      expect(error.code).toBe('provider_error');
      expect(JSON.stringify(error)).not.toContain(NAME);
      const event = await audited(requestId);
      expect(event).toMatchObject({ decision: 'deny', errorCode: 'provider_error', status: 502 });
      // The refusal's caller holds the receipt of that very record.
      expect(error.auditReceipt).toBe(event.eventId);
    });

    it("answers 502 provider_error, audited, when the encrypted answer is under another request's key", async () => {
      for (const fault of ['wrong-key', 'other-request'] as const) {
        mode = fault;
        const { error, requestId } = await refusal();
        expect([fault, error.httpStatus, error.code]).toEqual([fault, 502, 'provider_error']);
        expect(await audited(requestId)).toMatchObject({ decision: 'deny', errorCode: 'provider_error' });
      }
    });
  });

  describe('with a federation that does not require it (the control: the check above can fail)', () => {
    let bed: GatewayTestBed;
    let client: KopirClient;
    let reader: TopicReader;

    beforeAll(async () => {
      bed = await startGatewayTestBed('clear', answerer, {}, {}, { encryptBodies: false });
      client = KopirClient.fromDevPki(bed.pki, 'psc/front-office', bed.gateway.url);
      reader = new TopicReader(bed.kafka, [requestTopic('mju' as AgencyCode), replyTopic('gw-clear')]);
      await reader.start();
    });

    afterAll(async () => {
      await reader?.stop();
      client?.close();
      await bed?.close();
    });

    it('carries the body and the answer readable by anyone with the topic', async () => {
      mode = 'answer';
      const { requestId, body } = await callThrough(client);
      expect(body).toEqual({ iin: IIN, firstName: NAME });
      const [request] = await reader.of(requestTopic('mju' as AgencyCode), requestId);
      const [reply] = await reader.of(replyTopic('gw-clear'), requestId);
      expect(readable(request ?? '')).toContain(BODY_MEMBER);
      expect(readable(reply ?? '')).toContain(NAME);
    });
  });
});
