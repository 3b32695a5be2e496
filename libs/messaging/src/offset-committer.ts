import type { Consumer } from 'kafkajs';

/** How often consumed offsets are committed (ms). */
export const OFFSET_COMMIT_INTERVAL_MS = 1000;

interface NextOffset {
  readonly topic: string;
  readonly partition: number;
  /** The offset of the next message to read (the last one done + 1), as Kafka's OffsetCommit wants it. */
  readonly offset: string;
}

/**
 * Commits a consumer's offsets at most once per interval, and also once the consumer goes quiet. kafkajs's
 * autoCommit sends an OffsetCommit after every batch (at low rates one per message, and a flush on the broker), and
 * its `commitOffsetsIfNecessary` commits only when the next batch arrives, so the last batch before a pause stayed
 * uncommitted for as long as the pause lasted: re-read after a restart, and shown as lag by every monitoring tool.
 * Here a timer commits it at most one interval after it was done. Commits are sent one at a time, in order, so an
 * older offset never lands after a newer one.
 */
export class OffsetCommitter {
  private readonly next = new Map<string, NextOffset>();
  private timer: NodeJS.Timeout | undefined;
  private lastCommit = 0;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly consumer: Pick<Consumer, 'commitOffsets'>,
    /** Told of a commit that failed (after a rebalance the partition may be another member's: it re-reads). */
    private readonly onError: (error: unknown) => void,
    private readonly intervalMs = OFFSET_COMMIT_INTERVAL_MS,
  ) {}

  /** The message at `offset` on this partition, and every one before it, is done with. */
  done(topic: string, partition: number, offset: string): void {
    if (this.stopped) return;
    this.next.set(`${topic}\u0000${partition}`, { topic, partition, offset: (BigInt(offset) + 1n).toString() });
    const wait = this.lastCommit + this.intervalMs - Date.now();
    if (wait <= 0) void this.commit();
    else this.timer ??= setTimeout(() => void this.commit(), wait).unref();
  }

  /** Commits what is done now (resolves once Kafka answered, or the failure was reported). */
  commit(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.next.size === 0) return this.chain;
    const offsets = [...this.next.values()];
    this.next.clear();
    this.lastCommit = Date.now();
    this.chain = this.chain.then(() => this.consumer.commitOffsets(offsets)).catch(this.onError);
    return this.chain;
  }

  /** Commits what is done and takes no more: call before the consumer disconnects (it leaves the group). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.commit();
  }
}
