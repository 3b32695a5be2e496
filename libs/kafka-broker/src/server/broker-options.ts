/**
 * When log writes reach the disk before a produce is answered:
 * - `acks-all` (default): before answering a produce with acks=-1 (all), in a group commit shared by concurrent
 *   producers; acks=1 is answered once the write is in the operating system's page cache;
 * - `always`: before answering any produce that asks for an answer (acks=1 or -1);
 * - `os`: never waited for; the operating system writes back (a power loss may lose acknowledged records).
 */
export type FlushPolicy = 'acks-all' | 'always' | 'os';

export type BrokerLogLevel = 'info' | 'warn' | 'error';

export type BrokerLogger = (level: BrokerLogLevel, message: string) => void;

export interface BrokerOptions {
  /** Where partition logs, topic metadata and committed offsets live; created if missing. */
  readonly dataDir: string;
  /** Listen address; default 127.0.0.1. */
  readonly host?: string;
  /** Listen port; 0 (the default) asks the operating system for a free port. */
  readonly port?: number;
  /** Host name given to clients in Metadata and FindCoordinator; default: the listen host. */
  readonly advertisedHost?: string;
  /** Create a topic on first Metadata or Produce; default true. */
  readonly autoCreateTopics?: boolean;
  /** Partitions of an auto-created topic (and of CreateTopics with num_partitions -1); default 3. */
  readonly defaultPartitions?: number;
  readonly flush?: FlushPolicy;
  /** Size at which a partition's active segment file is closed and a new one started; default 64 MiB. */
  readonly segmentBytes?: number;
  /** Default topic retention by age (default 7 days, as Kafka); -1 keeps records forever. */
  readonly retentionMs?: number;
  /** Default topic retention by size per partition; -1 (default): no limit. */
  readonly retentionBytes?: number;
  /** How often retention runs; default 60 s. */
  readonly retentionCheckIntervalMs?: number;
  /** Largest request frame accepted; a larger one closes the connection. Default 100 MiB (Kafka's socket.request.max.bytes). */
  readonly maxFrameBytes?: number;
  /** Largest record batch accepted in a produce; default 10 MiB. */
  readonly maxBatchBytes?: number;
  readonly minSessionTimeoutMs?: number;
  readonly maxSessionTimeoutMs?: number;
  /** Kafka's group.initial.rebalance.delay.ms; default 0 so a lone consumer starts at once. */
  readonly initialRebalanceDelayMs?: number;
  readonly nodeId?: number;
  readonly clusterId?: string;
  /** Where log lines go; default: warnings and errors to stderr. */
  readonly log?: BrokerLogger;
}

export interface ResolvedBrokerOptions {
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly advertisedHost: string;
  readonly autoCreateTopics: boolean;
  readonly defaultPartitions: number;
  readonly flush: FlushPolicy;
  readonly segmentBytes: number;
  readonly retentionMs: number;
  readonly retentionBytes: number;
  readonly retentionCheckIntervalMs: number;
  readonly maxFrameBytes: number;
  readonly maxBatchBytes: number;
  readonly minSessionTimeoutMs: number;
  readonly maxSessionTimeoutMs: number;
  readonly initialRebalanceDelayMs: number;
  readonly nodeId: number;
  readonly clusterId: string;
  readonly log: BrokerLogger;
}

const defaultLog: BrokerLogger = (level, message) => {
  if (level !== 'info') process.stderr.write(`kafka-broker ${level}: ${message}\n`);
};

export function resolveBrokerOptions(options: BrokerOptions): ResolvedBrokerOptions {
  const host = options.host ?? '127.0.0.1';
  return {
    dataDir: options.dataDir,
    host,
    port: options.port ?? 0,
    advertisedHost: options.advertisedHost ?? host,
    autoCreateTopics: options.autoCreateTopics ?? true,
    defaultPartitions: options.defaultPartitions ?? 3,
    flush: options.flush ?? 'acks-all',
    segmentBytes: options.segmentBytes ?? 64 * 1024 * 1024,
    retentionMs: options.retentionMs ?? 7 * 24 * 3600 * 1000,
    retentionBytes: options.retentionBytes ?? -1,
    retentionCheckIntervalMs: options.retentionCheckIntervalMs ?? 60_000,
    maxFrameBytes: options.maxFrameBytes ?? 100 * 1024 * 1024,
    maxBatchBytes: options.maxBatchBytes ?? 10 * 1024 * 1024,
    minSessionTimeoutMs: options.minSessionTimeoutMs ?? 1000,
    maxSessionTimeoutMs: options.maxSessionTimeoutMs ?? 300_000,
    initialRebalanceDelayMs: options.initialRebalanceDelayMs ?? 0,
    nodeId: options.nodeId ?? 0,
    clusterId: options.clusterId ?? 'kopir-embedded',
    log: options.log ?? defaultLog,
  };
}
