import type { Message, Producer } from 'kafkajs';

export interface BatchingProducerOptions<T = Message> {
  /** 1 for ephemeral request/reply traffic, -1 (all in-sync replicas) for records that must not be lost. */
  readonly acks: -1 | 1;
  /** The broker's timeout for one produce request, in ms. */
  readonly timeoutMs?: number;
  /** Most items in one produce request: keeps a request well under the broker's frame and batch limits. */
  readonly maxBatch?: number;
  /**
   * Turns the items one produce request carries for a topic into the messages it sends (default: each item is a
   * message). The audit publisher signs all the events of a request as one message here. A failure fails every item
   * of that request.
   */
  readonly encode?: (topic: string, items: readonly T[]) => Message[] | Promise<Message[]>;
}

interface Queued<T> {
  readonly topic: string;
  readonly item: T;
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
export class BatchingProducer<T = Message> {
  private queue: Queued<T>[] = [];
  private sending = false;
  private readonly maxBatch: number;

  constructor(
    private readonly producer: Producer,
    private readonly options: BatchingProducerOptions<T>,
  ) {
    this.maxBatch = options.maxBatch ?? 256;
  }

  /** Resolves when the broker acknowledged the message (per `acks`), rejects with kafkajs's error otherwise. */
  send(topic: string, item: T): Promise<void> {
    const acknowledged = new Promise<void>((resolve, reject) => this.queue.push({ topic, item, resolve, reject }));
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
          const encode =
            this.options.encode ?? ((_topic: string, items: readonly T[]) => items as unknown as Message[]);
          const topicMessages = await Promise.all(
            [...byTopic(batch)].map(async ([topic, items]) => ({ topic, messages: await encode(topic, items) })),
          );
          await this.producer.sendBatch({
            acks: this.options.acks,
            ...(this.options.timeoutMs === undefined ? {} : { timeout: this.options.timeoutMs }),
            topicMessages,
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

/** The items of a request by topic, each topic's in the order they were sent. */
function byTopic<T>(batch: readonly Queued<T>[]): Map<string, T[]> {
  const topics = new Map<string, T[]>();
  for (const { topic, item } of batch) {
    const items = topics.get(topic);
    if (items) items.push(item);
    else topics.set(topic, [item]);
  }
  return topics;
}
