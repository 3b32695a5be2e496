import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { KopirError, gatewayReplyGroup, replyTopic } from '@kopir/contracts';
import { BatchingProducer } from './batching-producer';
import { MESSAGE_HEADERS, headerValue } from './message-headers';
import type { MessagingLogger } from './logger';
import { OffsetCommitter } from './offset-committer';
import { ensureTopics } from './topics';
import { KeyHashPartitioner } from './key-partitioner';

export interface RequestReplyOptions {
  readonly kafka: Kafka;
  /**
   * Unique per running gateway instance. It names the instance's own reply topic and consumer group, so replies
   * never land on another instance (the failure mode of a shared reply topic in one consumer group, cf.
   * nestjs/nest issues 6197 and 12355).
   */
  readonly instanceId: string;
  readonly logger: MessagingLogger;
}

export interface OutgoingRequest {
  readonly topic: string;
  readonly key: string;
  readonly value: string | Buffer;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

export interface IncomingReply {
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

interface Pending {
  resolve(reply: IncomingReply): void;
  reject(error: KopirError): void;
}

/**
 * Sends a request to a provider's topic and waits for its reply on this instance's reply topic.
 * Every request ends: with the reply, with `provider_unavailable` (the bus did not take the request), or with
 * `provider_timeout` (it did, and no reply came in time). Nothing waits forever.
 */
export class RequestReplyClient {
  readonly replyTopic: string;
  private readonly producer: Producer;
  /** acks=1: a request is ephemeral (the caller retries on failure); the audit record is what must be durable. */
  private readonly outgoing: BatchingProducer;
  private readonly consumer: Consumer;
  private readonly commits: OffsetCommitter;
  private readonly pending = new Map<string, Pending>();
  private started = false;

  constructor(private readonly options: RequestReplyOptions) {
    this.replyTopic = replyTopic(options.instanceId);
    this.producer = options.kafka.producer({
      allowAutoTopicCreation: true,
      // kafkajs's DefaultPartitioner's partitions, without its BigInt arithmetic per keyed message (key-partitioner.ts).
      createPartitioner: KeyHashPartitioner,
    });
    this.outgoing = new BatchingProducer(this.producer, { acks: 1 });
    this.consumer = options.kafka.consumer({
      groupId: gatewayReplyGroup(options.instanceId),
      // A reply is useless after its request's timeout: wake fast, never wait on a large batch.
      maxWaitTimeInMs: 500,
      allowAutoTopicCreation: true,
    });
    this.commits = new OffsetCommitter(this.consumer, (error) =>
      options.logger.warn(`reply offset commit failed: ${(error as Error).message}`),
    );
  }

  /** Connects, creates the reply topic if needed, and resolves once replies can be received. */
  async start(): Promise<void> {
    await ensureTopics(this.options.kafka, [{ topic: this.replyTopic, numPartitions: 1 }]);
    await this.producer.connect();
    await this.consumer.connect();
    // From the beginning on the very first start: "latest" would be resolved only at the first fetch, after the group
    // join, and a reply produced in between would be skipped. Later starts resume from the committed offset; old
    // replies find no waiter and are dropped.
    await this.consumer.subscribe({ topic: this.replyTopic, fromBeginning: true });
    const joined = new Promise<void>((resolve) => {
      const remove = this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
        remove();
        resolve();
      });
    });
    await this.consumer.run({
      // Where this instance's reply topic was read up to matters little (a reply read twice or dropped after a
      // restart has no waiter): commit it once a second, not after every batch as kafkajs's autoCommit does.
      autoCommit: false,
      eachBatch: ({ batch }) => {
        for (const message of batch.messages) this.deliver(message.value, message.headers);
        const last = batch.messages.at(-1);
        if (last) this.commits.done(batch.topic, batch.partition, last.offset);
        return Promise.resolve();
      },
    });
    await joined;
    this.started = true;
  }

  /** In-flight requests, for the metrics. */
  get inFlight(): number {
    return this.pending.size;
  }

  request(request: OutgoingRequest): Promise<IncomingReply> {
    if (!this.started) {
      return Promise.reject(new KopirError('provider_unavailable', 'The gateway is not connected to the message bus'));
    }
    const correlationId = randomUUID();
    let accepted = false;
    const reply = new Promise<IncomingReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(
          accepted
            ? new KopirError('provider_timeout', `The provider did not answer within ${request.timeoutMs} ms`)
            : new KopirError('provider_unavailable', 'The message bus did not accept the request in time'),
        );
      }, request.timeoutMs);
      this.pending.set(correlationId, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
    // Not awaited: the caller waits for the reply, which the timer ends whatever the bus does. A broker that accepts
    // the connection but never answers holds the produce for kafkajs's own request timeout and retries; awaiting it
    // here kept the caller waiting that long, and the timer's rejection of a reply nobody awaited yet crashed the
    // process (an unhandled rejection).
    this.outgoing
      .send(request.topic, {
        key: request.key,
        value: request.value,
        headers: {
          ...request.headers,
          [MESSAGE_HEADERS.replyTo]: this.replyTopic,
          [MESSAGE_HEADERS.correlationId]: correlationId,
        },
      })
      .then(
        () => (accepted = true),
        (error: unknown) => {
          const waiter = this.pending.get(correlationId);
          this.pending.delete(correlationId);
          waiter?.reject(new KopirError('provider_unavailable', 'The message bus is unavailable', { cause: error }));
        },
      );
    return reply;
  }

  async stop(): Promise<void> {
    this.started = false;
    for (const [id, waiter] of this.pending) {
      this.pending.delete(id);
      waiter.reject(new KopirError('provider_unavailable', 'The gateway is shutting down'));
    }
    await this.commits.stop();
    await this.consumer.disconnect();
    await this.producer.disconnect();
  }

  private deliver(value: Buffer | null, headers: Parameters<typeof headerValue>[0]): void {
    const correlationId = headerValue(headers, MESSAGE_HEADERS.correlationId);
    const waiter = correlationId === undefined ? undefined : this.pending.get(correlationId);
    if (!waiter || !correlationId || value === null) {
      // A reply whose request already timed out, or a stray message: nobody is waiting for it.
      this.options.logger.debug?.(`dropped a reply with no waiter (correlation ${correlationId ?? 'none'})`);
      return;
    }
    this.pending.delete(correlationId);
    const plain: Record<string, string> = {};
    for (const name of Object.keys(headers ?? {})) {
      const v = headerValue(headers, name);
      if (v !== undefined) plain[name] = v;
    }
    waiter.resolve({ value, headers: plain });
  }
}
