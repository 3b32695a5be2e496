import type { Message, Producer, TopicMessages } from 'kafkajs';

export interface BatchingProducerOptions {
  /** 1 for ephemeral request/reply traffic, -1 (all in-sync replicas) for records that must not be lost. */
  readonly acks: -1 | 1;
  /** The broker's timeout for one produce request, in ms. */
  readonly timeoutMs?: number;
  /** Most messages in one produce request: keeps a request well under the broker's frame and batch limits. */
  readonly maxBatch?: number;
}

interface Queued {
  readonly topic: string;
  readonly message: Message;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Group commit for a kafkajs producer: `send` queues one message; while a produce request is in flight, the messages
 * queued meanwhile wait and then go together, for every topic at once, in the next request (kafkajs `sendBatch`).
 * Alone, a message goes at the end of the current event-loop turn (no timer, no added wait); under load, many concurrent senders share one request, one
 * socket write and one acknowledgement instead of one each. kafkajs spends more CPU per `send` call than per message,
 * and so does the broker per produce request: this is where most of the per-message messaging cost went.
 *
 * A request that fails rejects every message in it; ordering per topic is the order of `send` calls.
 */
export class BatchingProducer {
  private queue: Queued[] = [];
  private sending = false;
  private readonly maxBatch: number;

  constructor(
    private readonly producer: Producer,
    private readonly options: BatchingProducerOptions,
  ) {
    this.maxBatch = options.maxBatch ?? 256;
  }

  /** Resolves when the broker acknowledged the message (per `acks`), rejects with kafkajs's error otherwise. */
  send(topic: string, message: Message): Promise<void> {
    const acknowledged = new Promise<void>((resolve, reject) => this.queue.push({ topic, message, resolve, reject }));
    if (!this.sending) {
      // After this turn of the event loop's I/O callbacks, so the senders woken by the same socket reads share it.
      this.sending = true;
      setImmediate(() => void this.flush());
    }
    return acknowledged;
  }

  /** Messages waiting for the next produce request. */
  get queued(): number {
    return this.queue.length;
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          await this.producer.sendBatch({
            acks: this.options.acks,
            ...(this.options.timeoutMs === undefined ? {} : { timeout: this.options.timeoutMs }),
            topicMessages: byTopic(batch),
          });
          for (const queued of batch) queued.resolve();
        } catch (error) {
          for (const queued of batch) queued.reject(error);
        }
      }
    } finally {
      this.sending = false;
    }
  }
}

function byTopic(batch: readonly Queued[]): TopicMessages[] {
  const topics = new Map<string, Message[]>();
  for (const { topic, message } of batch) {
    const messages = topics.get(topic);
    if (messages) messages.push(message);
    else topics.set(topic, [message]);
  }
  return [...topics].map(([topic, messages]) => ({ topic, messages }));
}
