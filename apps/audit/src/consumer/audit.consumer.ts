import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { AUDIT_TOPIC } from '@kopir/contracts';
import { parseAuditEvent, type AuditEvent } from '@kopir/audit-log';
import { OffsetCommitter } from '@kopir/messaging';
import type { LedgerLogger, LedgerService } from '../ledger/ledger.service';

/**
 * Consumes `kopir.audit` and appends each batch to the ledger in one durable transaction; only then may the batch's
 * offsets be committed, so an event is acknowledged to Kafka only once it is on disk. Commits go at most once a
 * second, within a second of the topic going quiet, and on stop (OffsetCommitter), not after every batch: at low
 * rates a batch is one event, and an OffsetCommit per event cost the audit service and the broker more than the
 * append. A crash redelivers what was appended but not yet
 * committed, and the ledger skips the event ids it already holds, so every event is appended exactly once.
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
      try {
        events.push(parseAuditEvent(JSON.parse(message.value?.toString('utf8') ?? 'null')));
      } catch (error) {
        // A malformed message can never become valid: it is logged (without its content, which may hold citizen
        // data) and passed over, rather than blocking every event behind it.
        const why = error instanceof Error ? error.message : String(error);
        this.logger.warn(`skipped malformed audit message ${batch.partition}@${message.offset}: ${why}`);
      }
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
