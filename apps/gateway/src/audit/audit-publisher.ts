import type { KeyObject } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import { BatchingProducer, KeyHashPartitioner } from '@kopir/messaging';
import { AUDIT_EVENT_TYP, AUDIT_TOPIC, KopirError } from '@kopir/contracts';
import { signJson } from '@kopir/envelope';
import { buildAuditEvent, type AuditEvent, type AuditEventInput } from '@kopir/audit-log';

/** The gateway's signing key, which the federation lists among the gateways' keys. */
export interface AuditSigner {
  readonly key: KeyObject;
  readonly kid: string;
}

/** Most events in one signed audit message: about 100 KB, well under Kafka's default 1 MB message limit. */
const MAX_EVENTS_PER_MESSAGE = 128;

/**
 * Publishes audit events to `kopir.audit` with acks=all (DESIGN.md step 5): `publish` resolves only once Kafka has
 * the event on every in-sync replica, or rejects with `audit_unavailable`, so the gateway can withhold an answer
 * that has no audit record.
 *
 * Events are group-committed (BatchingProducer): while one produce request is in flight, new events wait and then go
 * together in the next one, so many concurrent requests share one acknowledgement (and one broker flush) instead of
 * queueing behind each other on the idempotent producer's single in-flight request. The events of one request travel
 * as one message signed with the gateway's signing key: a compact JWS of type `kopir-audit+jws` whose payload is
 * `{"events":[...],"v":1}` (RFC 8785). The audit service appends nothing that a gateway of the federation did not
 * sign; one signature per request rather than per event keeps that at a few microseconds per event under load.
 */
export class AuditPublisher {
  private readonly producer: Producer;
  private readonly events: BatchingProducer<AuditEvent>;

  constructor(
    kafka: Kafka,
    private readonly timeoutMs: number,
    private readonly signer: AuditSigner,
  ) {
    // Idempotent, so a retried batch after a lost acknowledgement is not appended twice; unbounded retries as kafkajs
    // requires for idempotence, while publish() still answers within its own timeout.
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      // kafkajs's DefaultPartitioner's partitions, without its BigInt arithmetic per keyed message.
      createPartitioner: KeyHashPartitioner,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 2000 },
    });
    this.events = new BatchingProducer<AuditEvent>(this.producer, {
      acks: -1,
      timeoutMs: timeoutMs,
      maxBatch: MAX_EVENTS_PER_MESSAGE,
      encode: async (_topic, events) => [
        {
          key: events[0]?.eventId ?? null,
          value: await signJson({ events, v: 1 }, this.signer.key, { kid: this.signer.kid, typ: AUDIT_EVENT_TYP }),
        },
      ],
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
    const acknowledged = this.events.send(AUDIT_TOPIC, event);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new KopirError('audit_unavailable', 'The audit log did not acknowledge the record in time')),
        this.timeoutMs,
      );
    });
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
}
