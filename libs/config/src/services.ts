import { hostname } from 'node:os';
import {
  HOST_PORT,
  allOrNone,
  bool,
  bytes,
  directory,
  duration,
  int,
  list,
  oneOf,
  optional,
  port,
  readableFile,
  str,
} from './fields';
import type { ConfigSpec } from './load-config';
import { AUDIT_CONSUMER_GROUP } from '@kopir/contracts';

// TLS to the brokers (Apache Kafka's SSL listener with ssl.client.auth=required): all three, or none. A partial set
// is refused by loadConfig, so `kopir config check` and every service's start refuse it with the same message.
const [kafkaTlsCa, kafkaTlsCert, kafkaTlsKey] = allOrNone(
  readableFile('KAFKA_TLS_CA', { description: 'CA chain (PEM) the Kafka brokers must chain to' }),
  readableFile('KAFKA_TLS_CERT', { description: "this service's Kafka client certificate (PEM)" }),
  readableFile('KAFKA_TLS_KEY', { description: 'its private key (PEM)' }),
);

/**
 * Where every Köpir service finds Kafka. Unset: the embedded broker of this machine (apps/broker, 127.0.0.1:9092).
 * Set: a real Apache Kafka cluster, and no embedded broker is started.
 */
export const kafkaConfigSpec = {
  brokers: optional(
    list('KAFKA_BROKERS', {
      description: 'Kafka bootstrap servers, host:port[,host:port...]; unset = the embedded broker',
      item: HOST_PORT,
      itemHint: 'host:port',
    }),
  ),
  clientId: str('KAFKA_CLIENT_ID', { description: 'Kafka client id prefix', default: 'kopir' }),
  tlsCa: kafkaTlsCa,
  tlsCert: kafkaTlsCert,
  tlsKey: kafkaTlsKey,
} satisfies ConfigSpec;

/** apps/broker: the embedded single-node Kafka-protocol broker. */
export const brokerConfigSpec = {
  host: str('BROKER_HOST', { description: 'address the broker listens on', default: '127.0.0.1' }),
  port: port('BROKER_PORT', { description: 'Kafka protocol port', default: 9092 }),
  dataDir: directory('BROKER_DATA_DIR', {
    description: 'where partition logs and offsets live',
    default: 'data/broker',
  }),
  autoCreateTopics: bool('BROKER_AUTO_CREATE_TOPICS', {
    description: 'create a topic on first produce or metadata request',
    default: true,
  }),
  defaultPartitions: int('BROKER_DEFAULT_PARTITIONS', {
    description: 'partitions of an auto-created topic',
    default: 3,
    min: 1,
    max: 1024,
  }),
  flush: oneOf('BROKER_FLUSH', ['acks-all', 'always', 'os'] as const, {
    description:
      'when writes reach the disk: before acks=-1 answers (grouped), before every answer, or never waited for',
    default: 'acks-all',
  }),
  segmentBytes: bytes('BROKER_SEGMENT_BYTES', {
    description: 'size at which a partition log starts a new segment file',
    default: 64 * 1024 * 1024,
    min: 1024,
  }),
  retentionMs: duration('BROKER_RETENTION', {
    description: 'default topic retention by age (closed segments older than this are deleted)',
    default: 7 * 86_400_000,
  }),
  retentionBytes: optional(
    bytes('BROKER_RETENTION_BYTES', { description: 'default retention by size per partition; unset = no size limit' }),
  ),
  maxFrameBytes: bytes('BROKER_MAX_REQUEST_BYTES', {
    description: 'largest request accepted; a larger one closes the connection',
    default: 100 * 1024 * 1024,
    min: 1024,
  }),
} satisfies ConfigSpec;

/**
 * The federation document as every service loads it (libs/federation): the signed file, the authority key it must
 * be signed with, and the file that remembers the highest version accepted (rollback protection across restarts).
 */
export const federationConfigSpec = {
  file: str('FEDERATION_FILE', {
    description: 'the signed federation document (compact JWS) services load and watch',
    default: 'data/federation/federation.jws',
  }),
  authorityPublicKey: str('FEDERATION_AUTHORITY_PUBLIC_KEY', {
    description: "the federation authority's public key (PEM): the trust anchor of the federation document",
    default: 'certs/dev/federation/authority.pub.pem',
  }),
  stateFile: str('FEDERATION_STATE_FILE', {
    description: 'where a service records the highest federation version it accepted (refuses rollbacks after restart)',
    default: 'data/federation/accepted-version.json',
  }),
  name: str('FEDERATION_NAME', {
    description: 'the federation this deployment belongs to; a document of another federation is refused',
    default: 'kopir-dev',
  }),
  quotaInstances: int('ACCESS_QUOTA_INSTANCES', {
    description: 'gateway instances sharing the traffic: each enforces 1/N of every rate limit and daily quota',
    default: 1,
    min: 1,
    max: 1000,
  }),
} satisfies ConfigSpec;

/** The reference registries (mju/population, mia/vehicles, src/tax): where their SQLite stores live. */
export const registriesConfigSpec = {
  dataDir: directory('REGISTRIES_DATA_DIR', {
    description: "directory of the reference registries' SQLite files (`kopir data seed` writes them)",
    default: 'data/registries',
  }),
  seed: int('REGISTRIES_SEED', {
    description: 'seed of the synthetic data that `npm start` seeds on first run',
    default: 42,
    min: 0,
    max: 4294967295,
  }),
  people: int('REGISTRIES_PEOPLE', {
    description: 'people in the default data set that `npm start` seeds on first run',
    default: 10000,
    min: 1,
    max: 5000000,
  }),
} satisfies ConfigSpec;

/**
 * apps/audit: the audit ledger and the officer API (docs/officers.md). The checkpoint key and the trust material come
 * from the PKI directory (certs/dev by default, `kopir pki init`).
 */
export const auditConfigSpec = {
  host: str('AUDIT_HOST', { description: 'address the officer API listens on', default: '127.0.0.1' }),
  port: port('AUDIT_PORT', { description: 'officer API port (HTTPS, mutual TLS)', default: 8444 }),
  opsHost: str('AUDIT_OPS_HOST', { description: 'address of the metrics / health listener', default: '127.0.0.1' }),
  opsPort: port('AUDIT_OPS_PORT', { description: 'plain-HTTP port of /metrics and /health/*', default: 9465 }),
  database: str('AUDIT_DATABASE', { description: 'the ledger (SQLite file)', default: 'data/audit/ledger.db' }),
  origin: str('AUDIT_ORIGIN', {
    description: "the log's identity in its checkpoints (origin line and key name)",
    default: 'kopir.intranet/audit',
    pattern: /^[^\s+]{1,128}$/,
  }),
  checkpointKey: str('AUDIT_CHECKPOINT_KEY', {
    description: 'Ed25519 private key (PEM) that signs checkpoints',
    default: 'certs/dev/audit/checkpoint.key.pem',
  }),
  checkpointInterval: duration('AUDIT_CHECKPOINT_INTERVAL', {
    description: 'a checkpoint is signed at least this often while events arrive',
    default: 1000,
    min: 50,
    max: 60_000,
  }),
  tlsCert: str('AUDIT_TLS_CERT', {
    description: "the officer API's TLS server certificate (PEM)",
    default: 'certs/dev/audit/tls.pem',
  }),
  tlsKey: str('AUDIT_TLS_KEY', { description: 'its private key (PEM)', default: 'certs/dev/audit/tls.key.pem' }),
  tlsCa: str('AUDIT_TLS_CA', {
    description: 'CA chain that officer and portal certificates must chain to (PEM)',
    default: 'certs/dev/ca/chain.pem',
  }),
  tlsCrl: str('AUDIT_TLS_CRL', { description: 'CRLs of that CA (PEM)', default: 'certs/dev/ca/crl.pem' }),
  tlsCrlState: optional(
    str('AUDIT_TLS_CRL_STATE', {
      description:
        'file recording the newest CRL accepted per CA, so an older CRL is refused after a restart too ' +
        '(unset: only while the process runs)',
    }),
  ),
  citizenPortals: list('AUDIT_CITIZEN_PORTALS', {
    description: 'systems allowed to call GET /v1/subjects/<iin>/accesses for citizens (comma-separated)',
    default: [],
  }),
  groupId: str('AUDIT_CONSUMER_GROUP', {
    description: 'Kafka consumer group of kopir.audit',
    default: AUDIT_CONSUMER_GROUP,
  }),
  witnessFile: str('AUDIT_WITNESS_FILE', {
    description:
      'the last signed checkpoint, kept outside the database: the service refuses to start on a rolled-back log',
    default: 'data/audit/last-checkpoint.txt',
  }),
} satisfies ConfigSpec;

/**
 * Every adapter built with libs/adapter-sdk (apps/adapters/*). The adapter's system id is in its code, so the
 * defaults that depend on it (signing key, health file) are derived from it: see docs/integrators.md.
 */
export const adapterConfigSpec = {
  concurrency: int('ADAPTER_CONCURRENCY', {
    description: 'requests one adapter instance handles at once',
    default: 16,
    min: 1,
    max: 1024,
  }),
  signingKey: optional(
    str('ADAPTER_SIGNING_KEY', {
      description: "private key (PEM) the adapter signs answers with; unset = the PKI directory's system signing key",
    }),
  ),
  encryptionKeys: optional(
    list('ADAPTER_ENCRYPTION_KEYS', {
      description:
        'private keys (PEM files, comma-separated) the adapter decrypts request bodies with, chosen by kid; unset = ' +
        "the PKI directory's systems/<agency>/<system>/encryption.key.pem, and encryption.previous.key.pem while it exists",
    }),
  ),
  pkiDir: str('ADAPTER_PKI_DIR', {
    description:
      'PKI directory the default signing and encryption keys are taken from (systems/<agency>/<system>/signing.key.pem)',
    default: 'certs/dev',
  }),
  healthDir: str('ADAPTER_HEALTH_DIR', {
    description: 'where each adapter writes its health file, <agency>-<system>.json (adapters listen on no port)',
    default: 'data/adapters',
  }),
} satisfies ConfigSpec;

/** apps/gateway: the mutual-TLS door (defaults work on one machine after `kopir pki init` and `federation sign`). */
export const gatewayConfigSpec = {
  host: str('GATEWAY_HOST', { description: 'address the gateway listens on', default: '127.0.0.1' }),
  port: port('GATEWAY_PORT', { description: 'HTTPS port (mutual TLS)', default: 8443 }),
  opsHost: str('GATEWAY_OPS_HOST', { description: 'address of the metrics / health listener', default: '127.0.0.1' }),
  opsPort: port('GATEWAY_OPS_PORT', { description: 'plain-HTTP port of /metrics and /health/*', default: 9464 }),
  instanceId: str('GATEWAY_INSTANCE_ID', {
    description:
      'unique per running gateway: names its Kafka reply topic and group (several gateways need distinct ids)',
    default: (
      hostname()
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, '-')
        .replace(/^[^a-z]+/, '') || 'gateway'
    ).slice(0, 32),
    pattern: /^[a-z][a-z0-9-]{1,31}$/,
  }),
  auditConsumerGroup: str('AUDIT_CONSUMER_GROUP', {
    description:
      "the audit service's consumer group of kopir.audit, whose lag /metrics reports (set as for the audit service)",
    default: AUDIT_CONSUMER_GROUP,
  }),
  tlsCert: str('GATEWAY_TLS_CERT', {
    description: 'TLS server certificate (PEM)',
    default: 'certs/dev/gateway/tls.pem',
  }),
  tlsKey: str('GATEWAY_TLS_KEY', { description: 'its private key (PEM)', default: 'certs/dev/gateway/tls.key.pem' }),
  tlsCa: str('GATEWAY_TLS_CA', {
    description: 'CA chain client certificates must chain to (PEM)',
    default: 'certs/dev/ca/chain.pem',
  }),
  tlsCrl: str('GATEWAY_TLS_CRL', {
    description: 'CRLs of that CA (PEM), reloaded on change',
    default: 'certs/dev/ca/crl.pem',
  }),
  tlsCrlState: optional(
    str('GATEWAY_TLS_CRL_STATE', {
      description:
        'file recording the newest CRL accepted per CA, so an older CRL is refused after a restart too ' +
        '(unset: only while the process runs); one per instance',
    }),
  ),
  tlsMinVersion: oneOf('GATEWAY_TLS_MIN_VERSION', ['TLSv1.3', 'TLSv1.2'] as const, {
    description: 'lowest TLS version accepted',
    default: 'TLSv1.3',
  }),
  signingKey: str('GATEWAY_SIGNING_KEY', {
    description: "the gateway's envelope signing key (PEM); its public key is in the federation's gateways",
    default: 'certs/dev/gateway/signing.key.pem',
  }),
  bodyLimit: bytes('GATEWAY_BODY_LIMIT', { description: 'largest request body accepted', default: 1_048_576, min: 1 }),
  clientTimeout: duration('GATEWAY_CLIENT_TIMEOUT', {
    description:
      'how long a client may take to send a whole request (headers and body) before 408; bounds slow clients, ' +
      "not the provider's answer",
    default: 30_000,
    min: 1000,
    max: 600_000,
  }),
  providerTimeout: duration('GATEWAY_PROVIDER_TIMEOUT', {
    description: "how long to wait for a provider's answer",
    default: 10_000,
    min: 100,
    max: 300_000,
  }),
  auditTimeout: duration('GATEWAY_AUDIT_TIMEOUT', {
    description: 'how long to wait for Kafka to acknowledge an audit event before withholding the answer',
    default: 5000,
    min: 100,
    max: 60_000,
  }),
  maxAge: duration('GATEWAY_REQUEST_MAX_AGE', {
    description: 'oldest Kopir-Signature issued-at accepted (replay window)',
    default: 300_000,
    min: 1000,
    max: 3_600_000,
  }),
  clockSkew: duration('GATEWAY_CLOCK_SKEW', {
    description: 'tolerated clock difference with callers',
    default: 30_000,
    min: 0,
    max: 600_000,
  }),
  maxConnections: int('GATEWAY_MAX_CONNECTIONS', { description: 'open connections at most', default: 10_000, min: 1 }),
  maxConnectionsPerAddress: int('GATEWAY_MAX_CONNECTIONS_PER_ADDRESS', {
    description:
      'open connections one client address may hold, counted before TLS (so one host cannot take them all); ' +
      'behind a load balancer that hides client addresses, set it to GATEWAY_MAX_CONNECTIONS',
    default: 1000,
    min: 1,
  }),
  handshakeTimeout: duration('GATEWAY_HANDSHAKE_TIMEOUT', {
    description: 'how long a TLS handshake may take before the connection is dropped',
    default: 10_000,
    min: 1000,
    max: 120_000,
  }),
  maintenance: bool('GATEWAY_MAINTENANCE', {
    description: 'start in maintenance mode (503 with Retry-After); switch at POST /maintenance/on|off on the ops port',
    default: false,
  }),
} satisfies ConfigSpec;

/** Every service's configuration, by service name: `kopir config` prints and checks them. */
export const SERVICE_CONFIGS = {
  kafka: kafkaConfigSpec,
  broker: brokerConfigSpec,
  federation: federationConfigSpec,
  registries: registriesConfigSpec,
  audit: auditConfigSpec,
  adapter: adapterConfigSpec,
  gateway: gatewayConfigSpec,
} as const satisfies Record<string, ConfigSpec>;

export type ServiceName = keyof typeof SERVICE_CONFIGS;
