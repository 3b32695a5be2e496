import type { Consumer, IHeaders, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { BatchingProducer } from './batching-producer';
import { KeyHashPartitioner } from './key-partitioner';
import { MESSAGE_HEADERS, headerValue } from './message-headers';
import type { MessagingLogger } from './logger';
import { OffsetCommitter } from './offset-committer';

export interface IncomingRequest {
  readonly topic: string;
  readonly partition: number;
  readonly key: string | undefined;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

/** What a handler returns: the reply's value, or undefined for "no reply" (the message was not for us). */
export type RequestHandler = (request: IncomingRequest) => Promise<string | Buffer | undefined>;

export interface RequestConsumerOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly handler: RequestHandler;
  /** How many requests are handled at once (across partitions and within a batch). */
  readonly concurrency: number;
  readonly logger: MessagingLogger;
}

/**
 * The provider side of the request/reply exchange: consumes request topics in a consumer group (instances share
 * partitions), runs the handler with bounded concurrency, and sends each reply to the topic the request names,
 * with its correlation id. Offsets are committed (once a second) only after the replies of a batch were sent.
 */
export class RequestConsumer {
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly replies: BatchingProducer;
  private readonly commits: OffsetCommitter;
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly options: RequestConsumerOptions) {
    this.consumer = options.kafka.consumer({ groupId: options.groupId, maxWaitTimeInMs: 500 });
    // Replies name their topic and key: kafkajs's default (murmur2) partitioning, chosen explicitly (which also
    // silences kafkajs's v2 migration warning in every adapter's log), with the hash computed without BigInt.
    this.producer = options.kafka.producer({ createPartitioner: KeyHashPartitioner });
    // The replies of concurrent requests share produce requests (group commit).
    this.replies = new BatchingProducer(this.producer, { acks: 1 });
    this.commits = new OffsetCommitter(this.consumer, (error) =>
      options.logger.warn(`offset commit failed (those requests may come again): ${(error as Error).message}`),
    );
  }

  async start(): Promise<void> {
    await this.producer.connect();
    await this.consumer.connect();
    for (const topic of this.options.topics) await this.consumer.subscribe({ topic, fromBeginning: false });
    // Ready once positioned, not merely joined: a new group's start offset (the end of the topic) is looked up by
    // its first fetch, and a request produced before that lookup would be skipped. Once a fetch has completed, every
    // request produced since is this consumer's to answer. An instance assigned no partition (more instances than
    // partitions) never fetches: it is ready once joined.
    const ready = new Promise<void>((resolve) => {
      const removers: (() => void)[] = [];
      const done = (): void => {
        for (const remove of removers) remove();
        resolve();
      };
      removers.push(this.consumer.on(this.consumer.events.FETCH, done));
      removers.push(
        this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
          if (!Object.values(event.payload.memberAssignment).some((partitions) => partitions.length > 0)) done();
        }),
      );
    });
    await this.consumer.run({
      partitionsConsumedConcurrently: Math.max(1, Math.min(this.options.concurrency, 16)),
      eachBatchAutoResolve: false,
      // Offsets are committed at most once a second (OffsetCommitter), not after every batch: after a crash or
      // rebalance at most that second's requests come again; this instance's replay guard refuses the ones it saw,
      // another instance answers them a second time (a read), and the gateway drops answers nobody waits for.
      autoCommit: false,
      // No heartbeat here: kafkajs's runner sends one (when due) right after every batch it hands over.
      eachBatch: async (payload) => {
        const { batch } = payload;
        const { topic, partition, messages } = batch;
        // Checked once per batch: the loop below never awaits, so nothing can stop the consumer or seek the
        // partition between two of its messages (kafkajs's isStale builds a JSON key per call).
        if (!payload.isRunning() || payload.isStale()) return;
        const work = messages.map((message) => this.handle(topic, partition, message));
        await Promise.all(work);
        const last = messages[work.length - 1];
        if (last) {
          payload.resolveOffset(last.offset);
          this.commits.done(topic, partition, last.offset);
        }
      },
    });
    await ready;
  }

  async stop(): Promise<void> {
    await this.commits.stop();
    await this.consumer.disconnect();
    await this.producer.disconnect();
  }

  /**
   * Handles one message within the concurrency bound (waiting for a free slot only when all are taken) and sends its
   * reply. Never rejects: a failure is logged, and the gateway answers provider_timeout.
   */
  private async handle(topic: string, partition: number, message: KafkaMessage): Promise<void> {
    if (this.active >= this.options.concurrency) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active++;
    try {
      if (message.value === null) return;
      // One pass over the record's headers: the handler's copy also names the reply topic and correlation id.
      const headers = plainHeaders(message.headers);
      const replyTo = headers[MESSAGE_HEADERS.replyTo];
      const correlationId = headers[MESSAGE_HEADERS.correlationId];
      let reply: string | Buffer | undefined;
      try {
        reply = await this.options.handler({
          topic,
          partition,
          key: message.key?.toString(),
          value: message.value,
          headers,
        });
      } catch (error) {
        // Handlers turn their own failures into signed error answers; reaching here is a bug, never a lost batch.
        this.options.logger.error(`request handler failed: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
      if (reply === undefined || replyTo === undefined || correlationId === undefined) return;
      try {
        await this.replies.send(replyTo, {
          key: message.key,
          value: reply,
          headers: { [MESSAGE_HEADERS.correlationId]: correlationId },
        });
      } catch (error) {
        // The gateway times the request out and answers provider_timeout; the caller may retry.
        this.options.logger.warn(`could not send a reply to ${replyTo}: ${(error as Error).message}`);
      }
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

function plainHeaders(headers: IHeaders | undefined): Record<string, string> {
  const plain: Record<string, string> = {};
  for (const name of Object.keys(headers ?? {})) {
    const value = headerValue(headers, name);
    if (value !== undefined) plain[name] = value;
  }
  return plain;
}
