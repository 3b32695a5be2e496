import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { AUDIT_TOPIC, KopirError } from '@kopir/contracts';
import { buildAuditEvent, type AuditEvent, type AuditEventInput } from '@kopir/audit-log';

const MAX_BATCH = 256;

interface Waiting {
  readonly event: AuditEvent;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Publishes audit events to `kopir.audit` with acks=all (DESIGN.md step 5): `publish` resolves only once Kafka has
 * the event on every in-sync replica, or rejects with `audit_unavailable`, so the gateway can withhold an answer
 * that has no audit record.
 *
 * Events are group-committed: while one produce request is in flight, new events wait and then go together in the
 * next one, so many concurrent requests share one acknowledgement (and one broker flush) instead of queueing behind
 * each other on the idempotent producer's single in-flight request.
 */
export class AuditPublisher {
  private readonly producer: Producer;
  private queue: Waiting[] = [];
  private sending = false;

  constructor(
    kafka: Kafka,
    private readonly timeoutMs: number,
  ) {
    // Idempotent, so a retried batch after a lost acknowledgement is not appended twice; unbounded retries as kafkajs
    // requires for idempotence, while publish() still answers within its own timeout.
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 2000 },
    });
  }

  async start(): Promise<void> {
    await this.producer.connect();
  }

  async stop(): Promise<void> {
    await this.producer.disconnect();
  }

  async publish(input: AuditEventInput): Promise<AuditEvent> {
    const event = buildAuditEvent(input);
    let timer: NodeJS.Timeout | undefined;
    const acknowledged = new Promise<void>((resolve, reject) => this.queue.push({ event, resolve, reject }));
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new KopirError('audit_unavailable', 'The audit log did not acknowledge the record in time')),
        this.timeoutMs,
      );
    });
    if (!this.sending) void this.flush();
    try {
      await Promise.race([acknowledged, timeout]);
    } catch (error) {
      if (error instanceof KopirError) throw error;
      throw new KopirError('audit_unavailable', 'The audit log is unavailable', { cause: error });
    } finally {
      clearTimeout(timer);
    }
    return event;
  }

  private async flush(): Promise<void> {
    this.sending = true;
    while (this.queue.length > 0) {
      // Bounded batches keep one produce request well under the broker's frame and batch limits.
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        await this.producer.send({
          topic: AUDIT_TOPIC,
          acks: -1,
          timeout: this.timeoutMs,
          messages: batch.map(({ event }) => ({ key: event.eventId, value: JSON.stringify(event) })),
        });
        for (const waiting of batch) waiting.resolve();
      } catch (error) {
        for (const waiting of batch) waiting.reject(error);
      }
    }
    this.sending = false;
  }
}
