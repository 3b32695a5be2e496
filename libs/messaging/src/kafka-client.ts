import type { ConnectionOptions } from 'node:tls';
import { Kafka, logLevel } from 'kafkajs';
import { ConfigError, allOrNoneProblems, kafkaConfigSpec } from '@kopir/config';
import { readTlsFiles } from '@kopir/pki';
import { patchKafkajsIdleLoop } from './kafkajs-idle-loop';
import { kafkaLogCreator, type MessagingLogger } from './logger';

export interface KafkaConnectionOptions {
  /** host:port bootstrap servers: the embedded broker on one machine, a real cluster in production. */
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** TLS to the brokers (certificates of the intranet CA); verification is always on. */
  readonly tls?: Pick<ConnectionOptions, 'ca' | 'cert' | 'key' | 'servername'>;
  readonly logger: MessagingLogger;
  /** How long a connection attempt or request may take before kafkajs retries. */
  readonly requestTimeoutMs?: number;
}

/** One kafkajs client configured the Köpir way: quiet unless something is wrong, bounded retries, TLS verified. */
export function createKafka(options: KafkaConnectionOptions): Kafka {
  patchKafkajsIdleLoop();
  return new Kafka({
    brokers: [...options.brokers],
    clientId: options.clientId,
    ...(options.tls ? { ssl: { ...options.tls, rejectUnauthorized: true } } : {}),
    connectionTimeout: 3000,
    requestTimeout: options.requestTimeoutMs ?? 10_000,
    // Bounded: a request must fail fast enough to answer the caller within its own timeout, not hang.
    retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 5 },
    logLevel: logLevel.INFO,
    logCreator: kafkaLogCreator(options.logger),
  });
}

/** The parsed `kafkaConfigSpec` of libs/config (KAFKA_BROKERS, KAFKA_CLIENT_ID, KAFKA_TLS_*). */
export interface KafkaSettings {
  readonly brokers: readonly string[] | undefined;
  readonly clientId: string;
  readonly tlsCa: string | undefined;
  readonly tlsCert: string | undefined;
  readonly tlsKey: string | undefined;
}

/** Where the embedded broker listens on one machine (apps/broker's default). */
export const EMBEDDED_BROKER = '127.0.0.1:9092';

/**
 * A kafkajs client for one Köpir service from its configuration: the embedded broker unless KAFKA_BROKERS names a
 * cluster; TLS with a client certificate when KAFKA_TLS_CA, KAFKA_TLS_CERT and KAFKA_TLS_KEY are set (all or none).
 */
export function createKafkaFromSettings(settings: KafkaSettings, service: string, logger: MessagingLogger): Kafka {
  // libs/config's one all-or-none rule, for settings built in code too: the same refusal as loadConfig's.
  const partial = allOrNoneProblems(kafkaConfigSpec, (key) => settings[key as keyof KafkaSettings] !== undefined);
  if (partial.length > 0) throw new ConfigError('kafka', partial);
  const { tlsCa, tlsCert, tlsKey } = settings;
  return createKafka({
    brokers: settings.brokers ?? [EMBEDDED_BROKER],
    clientId: `${settings.clientId}-${service}`,
    logger,
    ...(tlsCa !== undefined && tlsCert !== undefined && tlsKey !== undefined
      ? { tls: readTlsFiles({ ca: tlsCa, cert: tlsCert, key: tlsKey }) }
      : {}),
  });
}
