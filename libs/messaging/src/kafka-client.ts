import type { ConnectionOptions } from 'node:tls';
import { Kafka, logLevel } from 'kafkajs';
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
