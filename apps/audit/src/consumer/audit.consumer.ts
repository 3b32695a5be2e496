import type { KeyObject } from 'node:crypto';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { AUDIT_EVENT_TYP, AUDIT_TOPIC } from '@kopir/contracts';
import { parseAuditEvent, type AuditEvent } from '@kopir/audit-log';
import { verifyJson } from '@kopir/envelope';
import { OffsetCommitter } from '@kopir/messaging';
import type { LedgerLogger, LedgerService } from '../ledger/ledger.service';

/**
 * Consumes `kopir.audit` and appends each batch to the ledger in one durable transaction; only then may the batch's
 * offsets be committed, so an event is acknowledged to Kafka only once it is on disk. Commits go at most once a
 * second, within a second of the topic going quiet, and on stop (OffsetCommitter), not after every batch: at low
 * rates a batch is one event, and an OffsetCommit per event cost the audit service and the broker more than the
 * append. A crash redelivers what was appended but not yet
 * committed, and the ledger skips the event ids it already holds, so every event is appended exactly once.
 *
 * Only events a gateway signed are appended: each message is a compact JWS (`kopir-audit+jws`, over
 * `{"events":[...],"v":1}`: the events of one of the gateway's produce requests) under a key the federation lists for
 * its gateways. Anything else (unsigned, signed by any other key, altered) is refused and
 * logged, so that being able to write to `kopir.audit` (an adapter's Kafka certificate, a mistake in Kafka ACLs) is
 * not enough to put a record in the ledger.
 */
export class AuditConsumer {
  private readonly consumer: Consumer;
  /** Told of each batch once it is in the ledger; commits at most once a second, and when the topic goes quiet. */
  private readonly commits: OffsetCommitter;

  constructor(
    kafka: Kafka,
    groupId: string,
    private readonly ledger: LedgerService,
    private readonly logger: LedgerLogger,
    /** The federation's gateway signing key `kid`, or undefined when no gateway has that key (read per message). */
    private readonly gatewayKey: (kid: string) => KeyObject | undefined,
    /** Kafka's session timeout: how soon a crashed instance's partitions move to another (default 30 s). */
    sessionTimeoutMs = 30_000,
  ) {
    this.consumer = kafka.consumer({
      groupId,
      allowAutoTopicCreation: true,
      maxWaitTimeInMs: 100,
      sessionTimeout: sessionTimeoutMs,
      heartbeatInterval: Math.max(100, Math.floor(sessionTimeoutMs / 10)),
    });
    // After a rebalance the partitions may be another instance's; it redelivers, and the ledger skips duplicates.
    this.commits = new OffsetCommitter(this.consumer, (error) =>
      logger.warn(`could not commit audit offsets: ${error instanceof Error ? error.message : String(error)}`),
    );
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: AUDIT_TOPIC, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (!payload.isRunning() || payload.isStale() || batch.messages.length === 0) return;
    const events: AuditEvent[] = [];
    for (const message of batch.messages) {
      const where = `${batch.partition}@${message.offset}`;
      let signed: readonly unknown[];
      try {
        const { payload } = await verifyJson<{ events?: unknown; v?: unknown }>(
          message.value?.toString('utf8') ?? '',
          this.gatewayKey,
          { typ: AUDIT_EVENT_TYP },
        );
        if (payload.v !== 1 || !Array.isArray(payload.events) || payload.events.length === 0) {
          throw new Error('the signed payload is not {"events":[...],"v":1}');
        }
        signed = payload.events;
      } catch (error) {
        // A message a gateway did not sign can never become valid: it is logged (without its content, which may hold
        // citizen data) and passed over, rather than blocking every event behind it.
        this.logger.warn(`refused audit message ${where}: ${describe(error)}`);
        continue;
      }
      signed.forEach((event, i) => {
        try {
          events.push(parseAuditEvent(event));
        } catch (error) {
          this.logger.warn(`refused event ${i} of audit message ${where}: ${describe(error)}`);
        }
      });
    }
    const result = this.ledger.append(events);
    this.commits.done(batch.topic, batch.partition, batch.lastOffset());
    payload.resolveOffset(batch.lastOffset());
    await payload.heartbeat();
    if (result.duplicates > 0) this.logger.log(`skipped ${result.duplicates} redelivered audit event(s)`);
  }

  async stop(): Promise<void> {
    await this.commits.stop();
    await this.consumer.disconnect();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
