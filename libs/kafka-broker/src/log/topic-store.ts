import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KafkaErrorCode } from '../protocol/error-codes';
import { writeFileAtomic } from './atomic-file';
import { PartitionLog, type LogOptions } from './partition-log';

export interface Topic {
  readonly name: string;
  readonly partitions: PartitionLog[];
  readonly configs: Readonly<Record<string, string>>;
}

interface TopicRecord {
  readonly partitions: number;
  readonly configs: Record<string, string>;
}

/** Kafka's rule for topic names (Topic.validate): 1-249 of [a-zA-Z0-9._-], not "." or "..". */
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

export function isValidTopicName(name: string): boolean {
  return TOPIC_NAME.test(name) && name !== '.' && name !== '..';
}

/** Topic-level overrides this broker applies (Kafka topic configs of the same names). */
const APPLIED_CONFIGS = ['retention.ms', 'retention.bytes', 'segment.bytes'] as const;

/**
 * Topics and their partition logs. The list of topics (with partition counts and configs) is kept in topics.json,
 * replaced atomically on every create/delete, so it survives a restart exactly as acknowledged.
 */
export class TopicStore {
  private readonly topics = new Map<string, Topic>();
  private readonly metaPath: string;
  private readonly logsDir: string;

  constructor(
    dataDir: string,
    private readonly defaults: LogOptions,
  ) {
    this.metaPath = join(dataDir, 'topics.json');
    this.logsDir = join(dataDir, 'logs');
  }

  /** Opens every recorded topic, recovering each partition log; returns the total bytes cut from torn tails. */
  open(): number {
    mkdirSync(this.logsDir, { recursive: true });
    if (!existsSync(this.metaPath)) return 0;
    const records = JSON.parse(readFileSync(this.metaPath, 'utf8')) as Record<string, TopicRecord>;
    let truncated = 0;
    for (const [name, record] of Object.entries(records)) {
      const topic = this.openTopic(name, record);
      for (const p of topic.partitions) truncated += p.recovery.truncatedBytes;
    }
    return truncated;
  }

  private openTopic(name: string, record: TopicRecord): Topic {
    const options = this.optionsFor(record.configs);
    const partitions: PartitionLog[] = [];
    for (let p = 0; p < record.partitions; p++) {
      partitions.push(PartitionLog.open(name, p, join(this.logsDir, `${name}-${p}`), options));
    }
    const topic: Topic = { name, partitions, configs: record.configs };
    this.topics.set(name, topic);
    return topic;
  }

  private optionsFor(configs: Record<string, string>): LogOptions {
    const num = (key: string, fallback: number): number => {
      const raw = configs[key];
      const value = raw === undefined ? Number.NaN : Number(raw);
      return Number.isSafeInteger(value) ? value : fallback;
    };
    return {
      retentionMs: num('retention.ms', this.defaults.retentionMs),
      retentionBytes: num('retention.bytes', this.defaults.retentionBytes),
      segmentBytes: Math.max(1024, num('segment.bytes', this.defaults.segmentBytes)),
    };
  }

  private persist(): void {
    const records: Record<string, TopicRecord> = {};
    for (const topic of this.topics.values()) {
      records[topic.name] = { partitions: topic.partitions.length, configs: { ...topic.configs } };
    }
    writeFileAtomic(this.metaPath, `${JSON.stringify(records, null, 2)}\n`);
  }

  get(name: string): Topic | undefined {
    return this.topics.get(name);
  }

  all(): IterableIterator<Topic> {
    return this.topics.values();
  }

  partition(topic: string, partition: number): PartitionLog | undefined {
    return this.topics.get(topic)?.partitions[partition];
  }

  /** Checks a create request; returns a Kafka error code and message, or undefined if it may be created. */
  validate(
    name: string,
    partitions: number,
    configs: Record<string, string>,
  ): { code: number; message: string } | undefined {
    if (!isValidTopicName(name)) return { code: KafkaErrorCode.INVALID_TOPIC_EXCEPTION, message: `invalid topic name` };
    if (this.topics.has(name))
      return { code: KafkaErrorCode.TOPIC_ALREADY_EXISTS, message: `topic ${name} already exists` };
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > 10_000) {
      return { code: KafkaErrorCode.INVALID_PARTITIONS, message: 'number of partitions must be from 1 to 10000' };
    }
    for (const key of Object.keys(configs)) {
      if ((APPLIED_CONFIGS as readonly string[]).includes(key) && !Number.isSafeInteger(Number(configs[key]))) {
        return { code: KafkaErrorCode.INVALID_REQUEST, message: `config ${key} must be an integer` };
      }
    }
    return undefined;
  }

  create(name: string, partitions: number, configs: Record<string, string> = {}): Topic {
    const topic = this.openTopic(name, { partitions, configs });
    this.persist();
    return topic;
  }

  delete(name: string): boolean {
    const topic = this.topics.get(name);
    if (topic === undefined) return false;
    this.topics.delete(name);
    this.persist();
    for (const p of topic.partitions) p.destroy();
    return true;
  }

  applyRetention(now: number): number {
    let deleted = 0;
    for (const topic of this.topics.values()) for (const p of topic.partitions) deleted += p.applyRetention(now);
    return deleted;
  }

  close(): void {
    for (const topic of this.topics.values()) for (const p of topic.partitions) p.close();
    this.topics.clear();
  }
}
