import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { AUDIT_TOPIC } from '@kopir/contracts';
import { parseAuditEvent, type AuditEvent } from '@kopir/audit-log';
import type { LedgerLogger, LedgerService } from '../ledger/ledger.service';

/**
 * Consumes `kopir.audit` and appends each batch to the ledger in one durable transaction, then commits the batch's
 * offsets: an event is acknowledged to Kafka only once it is on disk. A crash between the two redelivers the batch,
 * and the ledger skips the event ids it already holds, so every event is appended exactly once.
 */
export class AuditConsumer {
  private readonly consumer: Consumer;

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
    const next = (BigInt(batch.lastOffset()) + 1n).toString();
    await this.consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
    payload.resolveOffset(batch.lastOffset());
    await payload.heartbeat();
    if (result.duplicates > 0) this.logger.log(`skipped ${result.duplicates} redelivered audit event(s)`);
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
