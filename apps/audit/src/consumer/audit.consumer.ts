import type { KeyObject } from 'node:crypto';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { AUDIT_EVENT_TYP, AUDIT_TOPIC } from '@kopir/contracts';
import { parseAuditEvent, type AuditEvent } from '@kopir/audit-log';
import { verifyJson } from '@kopir/envelope';
import { OffsetCommitter } from '@kopir/messaging';
import type { LedgerLogger, LedgerService } from '../ledger/ledger.service';

/** How often a partition stopped at a message under an unknown gateway key reads it again (default 10 s). */
export const UNKNOWN_KEY_RETRY_MS = 10_000;

/** A partition stopped at a message whose gateway key the federation does not list (see AuditConsumer). */
export interface StalledPartition {
  readonly topic: string;
  readonly partition: number;
  /** The message it waits at: nothing from here on is committed. */
  readonly offset: string;
  readonly kid: string;
  /** When it first stopped at this offset (ISO 8601). */
  readonly since: string;
  /** How many times the message was read and its key still not found. */
  readonly attempts: number;
}

/** Why a message was not appended. */
type Outcome =
  | { readonly kind: 'events'; readonly events: readonly unknown[] }
  | { readonly kind: 'refused'; readonly why: string }
  | { readonly kind: 'unknown-key'; readonly kid: string };

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
 * its gateways. Anything else (unsigned, altered, signed under a listed kid by another key, malformed) is refused and
 * logged, so that being able to write to `kopir.audit` (an adapter's Kafka certificate, a mistake in Kafka ACLs) is
 * not enough to put a record in the ledger.
 *
 * One case is not refused but waited for: a well-formed audit message (a JWS of type `kopir-audit+jws` whose payload
 * reads as `{"events":[...],"v":1}`) under a `kid` the federation in force does not list. That is what every event
 * still in Kafka looks like once its gateway's key was retired from the federation (a rotation while this service
 * lagged or was down), or before a new key's federation document reached this service. Skipping it, as before, lost
 * those records for good although Kafka had acknowledged them to the gateway. So the partition stops at that message:
 * what came before it is appended and committed, nothing at or after it is committed, an error names the kid, the
 * partition and the offset, and the message is read again every `unknownKeyRetryMs` against the federation then in
 * force. This is a choice for the courts over availability: an audit record is never silently lost, at the price
 * that a writer to `kopir.audit` can stall one partition with a made-up kid. Only gateways may write to the topic
 * (docs/operators.md "Kafka ACLs"), a stall is loud (error log, `stalledPartitions()`), and it cannot be used to put
 * anything in the ledger; a message that fails under a known key, or is malformed, is still skipped, so nobody can
 * stall the audit without being able to produce a well-formed message under a kid of their choosing. Skipping a
 * stalled message is a deliberate operator act (docs/officers.md "A stalled partition").
 */
export class AuditConsumer {
  private readonly consumer: Consumer;
  /** Told of each batch once it is in the ledger; commits at most once a second, and when the topic goes quiet. */
  private readonly commits: OffsetCommitter;
  private readonly stalls = new Map<string, StalledPartition>();
  private readonly retries = new Set<NodeJS.Timeout>();

  constructor(
    kafka: Kafka,
    groupId: string,
    private readonly ledger: LedgerService,
    private readonly logger: LedgerLogger,
    /** The federation's gateway signing key `kid`, or undefined when no gateway has that key (read per message). */
    private readonly gatewayKey: (kid: string) => KeyObject | undefined,
    /** Kafka's session timeout: how soon a crashed instance's partitions move to another (default 30 s). */
    sessionTimeoutMs = 30_000,
    /** How often a partition stopped at an unknown gateway key reads that message again. */
    private readonly unknownKeyRetryMs = UNKNOWN_KEY_RETRY_MS,
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

  /** The partitions stopped now at a message under a gateway key the federation does not list (for health checks). */
  stalledPartitions(): readonly StalledPartition[] {
    return [...this.stalls.values()];
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (!payload.isRunning() || payload.isStale() || batch.messages.length === 0) return;
    const key = `${batch.topic}\u0000${batch.partition}`;
    const events: AuditEvent[] = [];
    /** The offset of the last message dealt with (appended or refused), undefined while none. */
    let done: string | undefined;
    let stalled: { offset: string; kid: string } | undefined;
    for (const message of batch.messages) {
      const where = `${batch.partition}@${message.offset}`;
      const outcome = await this.open(message.value?.toString('utf8') ?? '');
      if (outcome.kind === 'unknown-key') {
        stalled = { offset: message.offset, kid: outcome.kid };
        break;
      }
      done = message.offset;
      if (outcome.kind === 'refused') {
        // A message a gateway did not sign can never become valid: it is logged (without its content, which may hold
        // citizen data) and passed over, rather than blocking every event behind it.
        this.logger.warn(`refused audit message ${where}: ${outcome.why}`);
        continue;
      }
      outcome.events.forEach((event, i) => {
        try {
          events.push(parseAuditEvent(event));
        } catch (error) {
          this.logger.warn(`refused event ${i} of audit message ${where}: ${describe(error)}`);
        }
      });
    }
    const result = this.ledger.append(events);
    if (done !== undefined) {
      // Only the messages before a stall: the one it stopped at is read again, from Kafka, on resume.
      const last = stalled === undefined ? batch.lastOffset() : done;
      this.commits.done(batch.topic, batch.partition, last);
      payload.resolveOffset(last);
    }
    if (stalled === undefined) {
      this.stalls.delete(key);
    } else {
      this.stall(key, batch.topic, batch.partition, stalled, payload.pause());
    }
    await payload.heartbeat();
    if (result.duplicates > 0) this.logger.log(`skipped ${result.duplicates} redelivered audit event(s)`);
  }

  /** Verifies one message: its events, why it is refused, or the unknown kid of a well-formed audit message. */
  private async open(text: string): Promise<Outcome> {
    let unknownKid: string | undefined;
    try {
      const { payload } = await verifyJson<{ events?: unknown; v?: unknown }>(
        text,
        (kid) => {
          const found = this.gatewayKey(kid);
          if (found === undefined) unknownKid = kid;
          return found;
        },
        { typ: AUDIT_EVENT_TYP },
      );
      if (!isAuditPayload(payload)) throw new Error('the signed payload is not {"events":[...],"v":1}');
      return { kind: 'events', events: payload.events };
    } catch (error) {
      // verifyJson asks for the key only once the header is a JWS of our typ with an allowed alg and a kid; the
      // payload must read as a gateway's batch too, or a message is refused as malformed whatever its kid.
      if (unknownKid !== undefined && hasAuditPayload(text)) return { kind: 'unknown-key', kid: unknownKid };
      return { kind: 'refused', why: describe(error) };
    }
  }

  private stall(
    key: string,
    topic: string,
    partition: number,
    at: { offset: string; kid: string },
    resume: () => void,
  ): void {
    const previous = this.stalls.get(key);
    const same = previous?.offset === at.offset;
    const stall: StalledPartition = {
      topic,
      partition,
      offset: at.offset,
      kid: at.kid,
      since: same ? previous.since : new Date().toISOString(),
      attempts: same ? previous.attempts + 1 : 1,
    };
    this.stalls.set(key, stall);
    this.logger.error(
      `audit partition ${partition} STOPPED at offset ${at.offset} (since ${stall.since}, ${stall.attempts} attempt(s)): ` +
        `the message is signed under gateway key kid ${JSON.stringify(at.kid)}, which the federation in force does ` +
        `not list. Nothing from this offset on is appended or committed until it does: put the gateway's key back in ` +
        `the federation document (a retired key stays listed until the audit service has consumed what it signed), ` +
        `or, if the message is not a gateway's, skip it deliberately (docs/officers.md "A stalled partition"). ` +
        `Retrying every ${Math.round(this.unknownKeyRetryMs / 1000)} s.`,
    );
    const timer = setTimeout(() => {
      this.retries.delete(timer);
      resume();
    }, this.unknownKeyRetryMs);
    timer.unref();
    this.retries.add(timer);
  }

  async stop(): Promise<void> {
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
    await this.commits.stop();
    await this.consumer.disconnect();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isAuditPayload(payload: { events?: unknown; v?: unknown }): payload is { events: unknown[]; v: 1 } {
  return payload.v === 1 && Array.isArray(payload.events) && payload.events.length > 0;
}

/** Whether the JWS's payload (unverified) reads as a gateway's batch `{"events":[...],"v":1}`. */
function hasAuditPayload(jws: string): boolean {
  const parts = jws.split('.');
  if (parts.length !== 3 || !/^[A-Za-z0-9_-]+$/.test(parts[1] ?? '')) return false;
  try {
    const payload = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8')) as unknown;
    return typeof payload === 'object' && payload !== null && isAuditPayload(payload);
  } catch {
    return false;
  }
}
