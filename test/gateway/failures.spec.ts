/**
 * The gateway when what is behind it fails: a provider that never answers, a provider whose answer is forged, and
 * the broker stopped and started again. The gateway runs in-process (startGateway) with the embedded broker and an
 * adapter written here over the same envelope, so each failure can be produced on purpose.
 */
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { KopirCallError, KopirClient } from '@kopir/client';
import { gatewayConfigSpec, loadConfig } from '@kopir/config';
import { RequestConsumer, createKafka, silentLogger } from '@kopir/messaging';
import { startGateway } from '../../apps/gateway/src/start-gateway';
import { IIN, startGatewayTestBed, type GatewayTestBed } from './gateway-test-bed';

jest.setTimeout(180_000);

type Mode = 'answer' | 'silent' | 'forged' | 'overshare';

describe('gateway failure behaviour', () => {
  let bed: GatewayTestBed;
  let client: KopirClient;
  let mode: Mode = 'answer';
  const iin = IIN;
  const forger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

  beforeAll(async () => {
    bed = await startGatewayTestBed('failures', async (envelope, envelopeJws, b) => {
      if (mode === 'silent') return undefined;
      // A faulty provider that answers a field the rule does not allow (person-by-iin never grants birthPlace).
      if (mode === 'overshare') return b.answer(envelopeJws, envelope, { iin, firstName: 'Aigerim', birthPlace: 'x' });
      const key: KeyObject = mode === 'forged' ? forger : b.providerKey;
      return b.answer(envelopeJws, envelope, { iin, firstName: 'Aigerim' }, key);
    });
    client = KopirClient.fromDevPki(bed.pki, 'psc/front-office', bed.gateway.url);
  });

  afterAll(async () => {
    client?.close();
    await bed?.close();
  });

  const call = () =>
    client.call('mju/population/person-by-iin', { iin }, { purpose: 'driving-licence-issue', subject: iin });

  /**
   * Resolves once the system serves again after a broker restart or a consumer-group rebalance: 12 calls in a row
   * succeed (request ids spread them over every partition of the provider's topic), within 90 s.
   */
  async function settled(): Promise<void> {
    const deadline = Date.now() + 90_000;
    let streak = 0;
    while (streak < 12) {
      try {
        await call();
        streak++;
      } catch (error) {
        streak = 0;
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  async function refusal(): Promise<KopirCallError> {
    try {
      await call();
    } catch (error) {
      if (error instanceof KopirCallError) return error;
      throw error;
    }
    throw new Error('the call succeeded');
  }

  it('answers when the provider answers', async () => {
    mode = 'answer';
    await expect(call()).resolves.toMatchObject({ body: { iin } });
  });

  it('answers 504 provider_timeout, within the timeout, when the provider never answers', async () => {
    mode = 'silent';
    const started = Date.now();
    const error = await refusal();
    expect(error.httpStatus).toBe(504);
    expect(error.code).toBe('provider_timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(4900);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('answers 502 provider_error when the answer is signed by a key the federation does not list', async () => {
    mode = 'forged';
    const error = await refusal();
    expect(error.httpStatus).toBe(502);
    expect(error.code).toBe('provider_error');
  });

  it('answers 502 provider_error, and releases nothing, when a validly signed answer holds a field the rule does not allow', async () => {
    mode = 'overshare';
    const error = await refusal();
    expect(error.httpStatus).toBe(502);
    expect(error.code).toBe('provider_error');
    expect(error.message).not.toContain('Aigerim');
  });

  it('answers 503 within the timeout while the broker is down, and serves again once it is back', async () => {
    mode = 'answer';
    await bed.stopBroker();
    const started = Date.now();
    const error = await refusal();
    expect(error.httpStatus).toBe(503);
    expect(['provider_unavailable', 'audit_unavailable']).toContain(error.code);
    expect(Date.now() - started).toBeLessThan(10_000);

    await bed.restartBroker();
    await settled();
    await expect(call()).resolves.toMatchObject({ body: { iin } });
  });

  it('two gateways and two adapter instances: 1,000 concurrent requests, every answer reaches the gateway and request that asked', async () => {
    mode = 'answer';
    const kafka = createKafka({ brokers: [bed.broker.address], clientId: 'failures-2', logger: silentLogger });
    const second = new RequestConsumer({ ...bed.adapterOptions, kafka });
    await second.start();
    const config = loadConfig('gateway', gatewayConfigSpec, bed.gatewayEnv({ GATEWAY_INSTANCE_ID: 'gw-failures-2' }));
    const other = await startGateway({ config, kafka, federation: bed.federation });
    const otherClient = KopirClient.fromDevPki(bed.pki, 'psc/front-office', other.url);
    try {
      // The second adapter joining makes the group rebalance; requests in that window would only time out cleanly.
      await settled();
      const calls = Array.from({ length: 1000 }, (_, i) => {
        const requestId = randomUUID();
        const via = i % 2 === 0 ? client : otherClient;
        return via
          .call<{ iin: string }>(
            'mju/population/person-by-iin',
            { iin },
            {
              purpose: 'driving-licence-issue',
              subject: iin,
              requestId,
            },
          )
          .then((r) => ({ requestId, r }));
      });
      const results = await Promise.all(calls);
      expect(results.every(({ requestId, r }) => r.requestId === requestId && r.answer.requestId === requestId)).toBe(
        true,
      );
    } finally {
      otherClient.close();
      await other.stop();
      await second.stop();
    }
  });

  it('never lets two requests share an answer: 50 concurrent requests, each with its own request id', async () => {
    mode = 'answer';
    // The adapter that left in the previous test makes the group rebalance; requests in that window fail cleanly
    // (provider_timeout), and this test is about matching, so it starts once the group serves again.
    await settled();
    const ids = Array.from({ length: 50 }, () => randomUUID());
    const results = await Promise.all(
      ids.map((requestId) =>
        client.call(
          'mju/population/person-by-iin',
          { iin },
          { purpose: 'driving-licence-issue', subject: iin, requestId },
        ),
      ),
    );
    expect(results.map((r) => r.requestId)).toEqual(ids);
    expect(results.every((r) => r.answer.requestId === r.requestId)).toBe(true);
  });
});
