/**
 * The gateway when what is behind it fails: a provider that never answers, a provider whose answer is forged, and
 * the broker stopped and started again. The gateway runs in-process (startGateway) with the embedded broker and an
 * adapter written here over the same envelope, so each failure can be produced on purpose.
 */
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KopirCallError, KopirClient } from '@kopir/client';
import { gatewayConfigSpec, loadConfig } from '@kopir/config';
import { requestTopic, type AgencyCode } from '@kopir/contracts';
import { signAnswer, verifyEnvelope } from '@kopir/envelope';
import { startBroker, type RunningBroker } from '@kopir/kafka-broker';
import { RequestConsumer, createKafka, silentLogger } from '@kopir/messaging';
import { FederationIndex, verifyFederation } from '@kopir/federation';
import { devPkiPaths, initDevPki, keyThumbprint, loadPrivateKey, loadPublicKey } from '@kopir/pki';
import { initFederation, signFederationFile } from '../../apps/cli/src/commands/federation.command';
import { startGateway, type RunningGateway } from '../../apps/gateway/src/start-gateway';

jest.setTimeout(180_000);

type Mode = 'answer' | 'silent' | 'forged';

describe('gateway failure behaviour', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kopir-gateway-failures-'));
  const pki = join(dir, 'certs');
  const paths = devPkiPaths(pki);
  const federationFile = join(dir, 'federation.jws');
  let broker: RunningBroker;
  let gateway: RunningGateway;
  let adapter: RequestConsumer;
  let client: KopirClient;
  let mode: Mode = 'answer';
  let adapterOptions: Omit<ConstructorParameters<typeof RequestConsumer>[0], 'kafka' | 'groupId'>;
  let gatewayEnv: Record<string, string>;
  let federationOptions: Parameters<typeof startGateway>[0]['federation'];
  const iin = '900101300123';

  beforeAll(async () => {
    await initDevPki(pki);
    initFederation({ file: join(dir, 'federation.yaml'), pki });
    await signFederationFile({ file: join(dir, 'federation.yaml'), out: federationFile, pki });
    broker = await startBroker({ dataDir: join(dir, 'broker'), port: 0 });
    const kafka = createKafka({ brokers: [broker.address], clientId: 'failures', logger: silentLogger });

    const { document } = await verifyFederation(
      readFileSync(federationFile, 'utf8'),
      loadPublicKey(readFileSync(paths.federationAuthority.publicKey, 'utf8')),
      { now: Date.now() },
    );
    const index = new FederationIndex(document);
    const providerKey = loadPrivateKey(readFileSync(paths.system('mju/population').signing.key, 'utf8'));
    const forger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    adapterOptions = {
      topics: [requestTopic('mju' as AgencyCode)],
      concurrency: 8,
      logger: silentLogger,
      handler: async ({ value }) => {
        const envelopeJws = value.toString();
        const envelope = await verifyEnvelope(envelopeJws, (kid) => index.gatewayKey(kid));
        if (mode === 'silent') return undefined;
        const key: KeyObject = mode === 'forged' ? forger : providerKey;
        return signAnswer(
          envelopeJws,
          { requestId: envelope.requestId, status: 'ok', body: { iin, firstName: 'Aigerim' } },
          key,
          { kid: keyThumbprint(providerKey) },
        );
      },
    };
    adapter = new RequestConsumer({ ...adapterOptions, kafka, groupId: 'test-adapter-mju' });
    await adapter.start();

    gatewayEnv = {
      GATEWAY_PORT: '0',
      GATEWAY_OPS_PORT: '0',
      GATEWAY_INSTANCE_ID: 'gw-failures',
      GATEWAY_TLS_CERT: paths.gateway.cert,
      GATEWAY_TLS_KEY: paths.gateway.key,
      GATEWAY_TLS_CA: paths.chain,
      GATEWAY_TLS_CRL: paths.crl,
      GATEWAY_SIGNING_KEY: paths.gateway.signing.key,
      GATEWAY_PROVIDER_TIMEOUT: '5s',
      GATEWAY_AUDIT_TIMEOUT: '2s',
    };
    federationOptions = {
      file: federationFile,
      authorityPublicKey: paths.federationAuthority.publicKey,
      name: 'kopir-dev',
      quotaInstances: 1,
    };
    const config = loadConfig('gateway', gatewayConfigSpec, gatewayEnv);
    gateway = await startGateway({ config, kafka, federation: federationOptions });
    client = KopirClient.fromDevPki(pki, 'psc/front-office', gateway.url);
  });

  afterAll(async () => {
    client?.close();
    await gateway?.stop();
    await adapter?.stop();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
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

  it('answers 503 within the timeout while the broker is down, and serves again once it is back', async () => {
    mode = 'answer';
    const port = broker.port;
    await broker.stop();
    const started = Date.now();
    const error = await refusal();
    expect(error.httpStatus).toBe(503);
    expect(['provider_unavailable', 'audit_unavailable']).toContain(error.code);
    expect(Date.now() - started).toBeLessThan(10_000);

    broker = await startBroker({ dataDir: join(dir, 'broker'), port });
    await settled();
    await expect(call()).resolves.toMatchObject({ body: { iin } });
  });

  it('two gateways and two adapter instances: 400 concurrent requests, every answer reaches the gateway and request that asked', async () => {
    mode = 'answer';
    const kafka = createKafka({ brokers: [broker.address], clientId: 'failures-2', logger: silentLogger });
    const second = new RequestConsumer({ ...adapterOptions, kafka, groupId: 'test-adapter-mju' });
    await second.start();
    const config = loadConfig('gateway', gatewayConfigSpec, { ...gatewayEnv, GATEWAY_INSTANCE_ID: 'gw-failures-2' });
    const other = await startGateway({ config, kafka, federation: federationOptions });
    const otherClient = KopirClient.fromDevPki(pki, 'psc/front-office', other.url);
    try {
      // The second adapter joining makes the group rebalance; requests in that window would only time out cleanly.
      await settled();
      const calls = Array.from({ length: 400 }, (_, i) => {
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
