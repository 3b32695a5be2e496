import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { AUDIT_TOPIC, KopirError } from '@kopir/contracts';
import { buildAuditEvent, type AuditEvent, type AuditEventInput } from '@kopir/audit-log';

/**
 * Publishes audit events to `kopir.audit` with acks=all (DESIGN.md step 5): `publish` resolves only once Kafka has
 * the event on every in-sync replica, or rejects with `audit_unavailable`, so the gateway can withhold an answer
 * that has no audit record.
 */
export class AuditPublisher {
  private readonly producer: Producer;

  constructor(
    kafka: Kafka,
    private readonly timeoutMs: number,
  ) {
    // Idempotent: a retried send after a lost acknowledgement is not appended twice.
    // Unbounded retries as kafkajs requires for idempotence; publish() still answers within its own timeout.
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
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new KopirError('audit_unavailable', 'The audit log did not acknowledge the record in time')),
        this.timeoutMs,
      );
    });
    try {
      await Promise.race([
        this.producer.send({
          topic: AUDIT_TOPIC,
          acks: -1,
          timeout: this.timeoutMs,
          messages: [{ key: event.eventId, value: JSON.stringify(event) }],
        }),
        timeout,
      ]);
    } catch (error) {
      if (error instanceof KopirError) throw error;
      throw new KopirError('audit_unavailable', 'The audit log is unavailable', { cause: error });
    } finally {
      clearTimeout(timer);
    }
    return event;
  }
}
