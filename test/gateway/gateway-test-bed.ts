/**
 * The in-process gateway the test/gateway suites share: a development PKI and signed federation in a temporary
 * directory, the embedded broker, a provider adapter for mju/population written over the same envelope (each suite
 * decides what it answers), and a gateway started with startGateway over real mutual TLS. The development
 * federation requires encrypted bodies of mju/population: the bed's `answer` encrypts as a provider must, unless the
 * bed is started with `{ encryptBodies: false }`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { gatewayConfigSpec, loadConfig } from '@kopir/config';
import { requestTopic, type AgencyCode } from '@kopir/contracts';
import { encryptAnswer, envelopeBody, signAnswer, verifyEnvelope, type Envelope } from '@kopir/envelope';
import { FederationIndex, FederationYaml, verifyFederation } from '@kopir/federation';
import { startBroker, type RunningBroker } from '@kopir/kafka-broker';
import {
  RequestConsumer,
  createKafka,
  ensureTopics,
  silentLogger,
  type RequestConsumerOptions,
} from '@kopir/messaging';
import { devPkiPaths, initDevPki, keyThumbprint, loadPrivateKey, loadPublicKey, type DevPkiPaths } from '@kopir/pki';
import { initFederation, signFederationFile } from '../../apps/cli/src/commands/federation.command';
import { startGateway, type RunningGateway, type StartGatewayOptions } from '../../apps/gateway/src/start-gateway';
import { raiseRuleLimits } from '../bench/raise-rule-limits';

export const IIN = '900101300123';

/** What the test adapter answers to a verified envelope: a compact answer JWS, or undefined for no answer at all. */
export type Answerer = (envelope: Envelope, envelopeJws: string, bed: GatewayTestBed) => Promise<string | undefined>;

export interface GatewayTestBed {
  readonly dir: string;
  readonly pki: string;
  readonly paths: DevPkiPaths;
  readonly kafka: Kafka;
  readonly broker: RunningBroker;
  readonly gateway: RunningGateway;
  /** mju/population's answer signing key, as the federation lists it. */
  readonly providerKey: KeyObject;
  readonly federation: StartGatewayOptions['federation'];
  /** The test adapter's options, to start another instance in the same consumer group. */
  readonly adapterOptions: RequestConsumerOptions;
  /** The gateway's environment, to start another instance with overrides. */
  gatewayEnv(overrides?: Record<string, string>): Record<string, string>;
  /**
   * The answer mju/population would send: `body` signed bound to this envelope, and encrypted under the request's
   * answer key (derived from the key agreement of the envelope's bodyJwe) when the body came encrypted (as the SDK
   * does).
   */
  answer(envelopeJws: string, envelope: Envelope, body: unknown, key?: KeyObject): Promise<string>;
  /** The request body as mju/population reads it: decrypted with its encryption key when it came as bodyJwe. */
  body(envelope: Envelope): Promise<unknown>;
  /** Stops the broker; `restartBroker` starts it again on the same port and data directory. */
  stopBroker(): Promise<void>;
  restartBroker(): Promise<void>;
  close(): Promise<void>;
}

export async function startGatewayTestBed(
  name: string,
  answerer: Answerer = (envelope, jws, bed) => bed.answer(jws, envelope, { iin: IIN, firstName: 'Aigerim' }),
  env: Record<string, string> = {},
  /** autoCreateTopics false: a broker that creates only the topics asked for (the provider's and reply topics). */
  brokerOptions: { autoCreateTopics?: boolean } = {},
  /**
   * encryptBodies false: the federation's mju/population takes bodies in clear (the development one does not);
   * timeoutSeconds: services given a timeout of their own.
   */
  federationOptions: { encryptBodies?: boolean; timeoutSeconds?: Record<string, number> } = {},
): Promise<GatewayTestBed> {
  const dir = mkdtempSync(join(tmpdir(), `kopir-gateway-${name}-`));
  const pki = join(dir, 'certs');
  const paths = devPkiPaths(pki);
  const federationFile = join(dir, 'federation.jws');
  await initDevPki(pki);
  initFederation({ file: join(dir, 'federation.yaml'), pki });
  // These suites are about failures, identity and matching under concurrency, not quotas (test/e2e tests those).
  const yamlFile = join(dir, 'federation.yaml');
  writeFileSync(yamlFile, raiseRuleLimits(readFileSync(yamlFile, 'utf8'), 'psc-front-office.person-by-iin'));
  if (federationOptions.encryptBodies === false) {
    const yaml = FederationYaml.parse(readFileSync(yamlFile, 'utf8'), yamlFile);
    const agencies = yaml.toDocument().agencies;
    const a = agencies.findIndex((agency) => agency.code === 'mju');
    yaml.setIn(['agencies', a, 'systems', 0, 'encryptBodies'], false);
    writeFileSync(yamlFile, yaml.toString());
  }
  for (const [service, seconds] of Object.entries(federationOptions.timeoutSeconds ?? {})) {
    const yaml = FederationYaml.parse(readFileSync(yamlFile, 'utf8'), yamlFile);
    const at = yaml.toDocument().services.findIndex((s) => s.id === service);
    if (at < 0) throw new Error(`no service ${service} in the federation`);
    yaml.setIn(['services', at, 'timeoutSeconds'], seconds);
    writeFileSync(yamlFile, yaml.toString());
  }
  await signFederationFile({ file: yamlFile, out: federationFile, pki });
  let broker = await startBroker({ dataDir: join(dir, 'broker'), port: 0, ...brokerOptions });
  const kafka = createKafka({ brokers: [broker.address], clientId: name, logger: silentLogger });

  const { document } = await verifyFederation(
    readFileSync(federationFile, 'utf8'),
    loadPublicKey(readFileSync(paths.federationAuthority.publicKey, 'utf8')),
    { now: Date.now() },
  );
  const index = new FederationIndex(document);
  const providerKey = loadPrivateKey(readFileSync(paths.system('mju/population').signing.key, 'utf8'));
  const providerEncryptionKey = loadPrivateKey(paths.system('mju/population').encryption.key);
  const federation = {
    file: federationFile,
    authorityPublicKey: paths.federationAuthority.publicKey,
    name: 'kopir-dev',
    quotaInstances: 1,
  };
  const gatewayEnv = (overrides: Record<string, string> = {}): Record<string, string> => ({
    GATEWAY_PORT: '0',
    GATEWAY_OPS_PORT: '0',
    GATEWAY_INSTANCE_ID: `gw-${name}`,
    GATEWAY_TLS_CERT: paths.gateway.cert,
    GATEWAY_TLS_KEY: paths.gateway.key,
    GATEWAY_TLS_CA: paths.chain,
    GATEWAY_TLS_CRL: paths.crl,
    GATEWAY_SIGNING_KEY: paths.gateway.signing.key,
    GATEWAY_PROVIDER_TIMEOUT: '5s',
    ...env,
    ...overrides,
  });

  // eslint-disable-next-line prefer-const -- assigned once the bed (which the adapter's answerer receives) exists
  let bed: GatewayTestBed;
  const adapterOptions: RequestConsumerOptions = {
    kafka,
    groupId: `${name}-adapter-mju`,
    topics: [requestTopic('mju' as AgencyCode)],
    concurrency: 8,
    logger: silentLogger,
    handler: async ({ value }) => {
      const envelopeJws = value.toString();
      // Only envelopes under a gateway key the federation lists, as a real adapter does.
      const envelope = await verifyEnvelope(envelopeJws, (kid) => index.gatewayKey(kid));
      return answerer(envelope, envelopeJws, bed);
    },
  };
  await ensureTopics(kafka, [{ topic: requestTopic('mju' as AgencyCode), numPartitions: 3 }]);
  const adapter = new RequestConsumer(adapterOptions);
  await adapter.start();
  const gateway = await startGateway({
    config: loadConfig('gateway', gatewayConfigSpec, gatewayEnv()),
    kafka,
    federation,
  });

  bed = {
    dir,
    pki,
    paths,
    kafka,
    get broker() {
      return broker;
    },
    gateway,
    providerKey,
    federation,
    adapterOptions,
    gatewayEnv,
    async answer(envelopeJws, envelope, body, key = providerKey) {
      const answerJws = await signAnswer(envelopeJws, { requestId: envelope.requestId, status: 'ok', body }, key, {
        kid: keyThumbprint(providerKey),
      });
      const { answerKey } = await envelopeBody(envelope, providerEncryptionKey);
      return answerKey === undefined ? answerJws : encryptAnswer(answerJws, answerKey);
    },
    body: async (envelope) => (await envelopeBody(envelope, providerEncryptionKey)).body,
    stopBroker: () => broker.stop(),
    async restartBroker() {
      broker = await startBroker({ dataDir: join(dir, 'broker'), port: broker.port, ...brokerOptions });
    },
    async close() {
      await gateway.stop();
      await adapter.stop();
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return bed;
}
