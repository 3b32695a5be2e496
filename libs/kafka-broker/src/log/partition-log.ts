import {
  closeSync,
  fdatasyncSync,
  ftruncateSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  readdirSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { BATCH, readInt64, type BatchInfo } from '../protocol/record-batch';
import { crc32c } from '../protocol/crc32c';
import { KafkaErrorCode } from '../protocol/error-codes';

/** How one partition's log is kept: segment size and retention (Kafka's segment.bytes, retention.*). */
export interface LogOptions {
  readonly segmentBytes: number;
  /** Delete closed segments whose newest record is older than this; -1 keeps them forever. */
  readonly retentionMs: number;
  /** Delete the oldest closed segments while the partition is larger than this; -1: no size limit. */
  readonly retentionBytes: number;
}

interface Segment {
  readonly baseOffset: number;
  readonly path: string;
  readonly fd: number;
  size: number;
  /** Per batch: base offset, file position, max timestamp (a sparse index rebuilt on start). */
  readonly bases: number[];
  readonly positions: number[];
  readonly maxTimestamps: number[];
  maxTimestamp: number;
}

/** The last batches of one idempotent producer on this partition (KIP-98: the broker keeps the last five). */
interface ProducerEntry {
  epoch: number;
  readonly recent: { firstSeq: number; lastSeq: number; baseOffset: number }[];
}

const SEGMENT_SUFFIX = '.log';
const MAX_RECENT_BATCHES = 5;
const INT32_MAX = 0x7fffffff;

export interface AppendResult {
  readonly errorCode: number;
  readonly baseOffset: number;
}

export interface RecoveryReport {
  readonly truncatedBytes: number;
  readonly batches: number;
}

function segmentName(baseOffset: number): string {
  return `${String(baseOffset).padStart(20, '0')}${SEGMENT_SUFFIX}`;
}

/**
 * One partition: append-only segment files of record batches, offsets assigned here. A batch is written exactly as
 * the producer framed it, with only its baseOffset rewritten; Fetch answers by slicing whole batches from the
 * files. On open the files are scanned, the index rebuilt, and a torn or corrupt tail cut off (recovery).
 */
export class PartitionLog {
  private segments: Segment[] = [];
  private producers = new Map<bigint, ProducerEntry>();
  private readonly waiters = new Set<() => void>();
  /** The next offset to assign: the high watermark of a single-replica log. */
  nextOffset = 0;
  recovery: RecoveryReport = { truncatedBytes: 0, batches: 0 };

  private constructor(
    readonly topic: string,
    readonly partition: number,
    readonly dir: string,
    private options: LogOptions,
  ) {}

  static open(topic: string, partition: number, dir: string, options: LogOptions): PartitionLog {
    const log = new PartitionLog(topic, partition, dir, options);
    mkdirSync(dir, { recursive: true });
    log.recover();
    return log;
  }

  get logStartOffset(): number {
    return this.segments[0]?.baseOffset ?? this.nextOffset;
  }

  get activeFd(): number {
    return this.active().fd;
  }

  get sizeBytes(): number {
    let total = 0;
    for (const s of this.segments) total += s.size;
    return total;
  }

  setOptions(options: LogOptions): void {
    this.options = options;
  }

  private active(): Segment {
    return this.segments[this.segments.length - 1] as Segment;
  }

  private openSegment(baseOffset: number): Segment {
    const path = join(this.dir, segmentName(baseOffset));
    const fd = openSync(path, 'a+');
    const segment: Segment = {
      baseOffset,
      path,
      fd,
      size: fstatSync(fd).size,
      bases: [],
      positions: [],
      maxTimestamps: [],
      maxTimestamp: -1,
    };
    this.segments.push(segment);
    return segment;
  }

  private recover(): void {
    const names = readdirSync(this.dir)
      .filter((n) => n.endsWith(SEGMENT_SUFFIX) && /^\d{20}\.log$/.test(n))
      .sort();
    let truncatedBytes = 0;
    let batches = 0;
    let broken = false;
    const header = Buffer.allocUnsafe(BATCH.HEADER_SIZE);
    for (const [index, name] of names.entries()) {
      const baseOffset = Number(name.slice(0, 20));
      if (broken || (index > 0 && baseOffset !== this.nextOffset)) {
        // A gap or a segment after a cut tail: the log must stay contiguous, so everything after is dropped.
        truncatedBytes += fstatSizeOf(join(this.dir, name));
        rmSync(join(this.dir, name), { force: true });
        broken = true;
        continue;
      }
      if (index === 0) this.nextOffset = baseOffset;
      const segment = this.openSegment(baseOffset);
      const isLast = index === names.length - 1;
      let pos = 0;
      while (pos < segment.size) {
        const ok = this.recoverBatch(segment, pos, header, isLast);
        if (ok === 0) break;
        pos += ok;
        batches++;
      }
      if (pos < segment.size) {
        // Torn tail (a crash mid-write) or corruption: cut at the last whole, valid batch (as Kafka's log recovery).
        truncatedBytes += segment.size - pos;
        ftruncateSync(segment.fd, pos);
        fdatasyncSync(segment.fd);
        segment.size = pos;
        broken = !isLast;
      }
    }
    if (this.segments.length === 0) this.openSegment(this.nextOffset);
    this.recovery = { truncatedBytes, batches };
  }

  /** Indexes the batch at `pos`; returns its size, or 0 if it is incomplete, out of sequence or corrupt. */
  private recoverBatch(segment: Segment, pos: number, header: Buffer, checkCrc: boolean): number {
    if (segment.size - pos < BATCH.HEADER_SIZE) return 0;
    readSync(segment.fd, header, 0, BATCH.HEADER_SIZE, pos);
    const size = header.readInt32BE(BATCH.LENGTH) + BATCH.LOG_OVERHEAD;
    if (size < BATCH.HEADER_SIZE || pos + size > segment.size) return 0;
    if (header.readInt8(BATCH.MAGIC) !== 2) return 0;
    const base = readInt64(header, BATCH.BASE_OFFSET);
    const lastOffsetDelta = header.readInt32BE(BATCH.LAST_OFFSET_DELTA);
    if (base !== this.nextOffset || lastOffsetDelta < 0) return 0;
    if (checkCrc) {
      // Only the last segment can hold a torn write; older ones were complete when they were rolled.
      const whole = Buffer.allocUnsafe(size);
      readSync(segment.fd, whole, 0, size, pos);
      if (crc32c(whole, BATCH.ATTRIBUTES, size) !== whole.readUInt32BE(BATCH.CRC)) return 0;
    }
    const maxTimestamp = readInt64(header, BATCH.MAX_TIMESTAMP);
    segment.bases.push(base);
    segment.positions.push(pos);
    segment.maxTimestamps.push(maxTimestamp);
    if (maxTimestamp > segment.maxTimestamp) segment.maxTimestamp = maxTimestamp;
    const producerId = header.readBigInt64BE(BATCH.PRODUCER_ID);
    if (producerId >= 0n) {
      const baseSequence = header.readInt32BE(BATCH.BASE_SEQUENCE);
      this.rememberProducerBatch(
        producerId,
        header.readInt16BE(BATCH.PRODUCER_EPOCH),
        baseSequence,
        lastOffsetDelta,
        base,
      );
    }
    this.nextOffset = base + lastOffsetDelta + 1;
    return size;
  }

  private rememberProducerBatch(
    producerId: bigint,
    epoch: number,
    firstSeq: number,
    delta: number,
    baseOffset: number,
  ): void {
    let entry = this.producers.get(producerId);
    if (entry === undefined || entry.epoch !== epoch) {
      entry = { epoch, recent: [] };
      this.producers.set(producerId, entry);
    }
    entry.recent.push({ firstSeq, lastSeq: addSequence(firstSeq, delta), baseOffset });
    if (entry.recent.length > MAX_RECENT_BATCHES) entry.recent.shift();
  }

  /**
   * The idempotent producer's rule (KIP-98): a batch from a known producer must continue its sequence; the same
   * batch seen again (a retry after a lost answer) is not appended twice but answered with its first offset.
   */
  private checkSequence(batch: BatchInfo): { errorCode: number; duplicateOf?: number } {
    const entry = this.producers.get(batch.producerId);
    if (entry === undefined) {
      return {
        errorCode: batch.baseSequence === 0 ? KafkaErrorCode.NONE : KafkaErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
      };
    }
    if (batch.producerEpoch < entry.epoch) return { errorCode: KafkaErrorCode.INVALID_PRODUCER_EPOCH };
    if (batch.producerEpoch > entry.epoch) {
      return {
        errorCode: batch.baseSequence === 0 ? KafkaErrorCode.NONE : KafkaErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
      };
    }
    const lastSeq = addSequence(batch.baseSequence, batch.lastOffsetDelta);
    for (const seen of entry.recent) {
      if (seen.firstSeq === batch.baseSequence && seen.lastSeq === lastSeq) {
        return { errorCode: KafkaErrorCode.NONE, duplicateOf: seen.baseOffset };
      }
    }
    const last = entry.recent[entry.recent.length - 1];
    const expected = last === undefined ? 0 : addSequence(last.lastSeq, 1);
    return {
      errorCode: batch.baseSequence === expected ? KafkaErrorCode.NONE : KafkaErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    };
  }

  /**
   * Appends the batches of one produce request's records field (already checked by scanBatches). The buffer is
   * modified in place (base offsets) and written with one write call.
   */
  append(records: Buffer, batches: readonly BatchInfo[]): AppendResult {
    if (batches.length === 0) return { errorCode: KafkaErrorCode.NONE, baseOffset: this.nextOffset };
    for (const batch of batches) {
      if (batch.producerId < 0n) continue;
      const check = this.checkSequence(batch);
      if (check.errorCode !== KafkaErrorCode.NONE) return { errorCode: check.errorCode, baseOffset: -1 };
      if (check.duplicateOf !== undefined) {
        if (batches.length === 1) return { errorCode: KafkaErrorCode.NONE, baseOffset: check.duplicateOf };
        return { errorCode: KafkaErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, baseOffset: -1 };
      }
    }
    const first = batches[0] as BatchInfo;
    const last = batches[batches.length - 1] as BatchInfo;
    const start = first.position;
    const end = last.position + last.size;
    let segment = this.active();
    if (segment.size > 0 && segment.size + (end - start) > this.options.segmentBytes) segment = this.roll();
    const baseOffset = this.nextOffset;
    let offset = baseOffset;
    let pos = segment.size;
    for (const batch of batches) {
      records.writeInt32BE(Math.floor(offset / 2 ** 32), batch.position);
      records.writeUInt32BE(offset >>> 0, batch.position + 4);
      segment.bases.push(offset);
      segment.positions.push(pos + (batch.position - start));
      segment.maxTimestamps.push(batch.maxTimestamp);
      if (batch.maxTimestamp > segment.maxTimestamp) segment.maxTimestamp = batch.maxTimestamp;
      if (batch.producerId >= 0n) {
        this.rememberProducerBatch(
          batch.producerId,
          batch.producerEpoch,
          batch.baseSequence,
          batch.lastOffsetDelta,
          offset,
        );
      }
      offset += batch.lastOffsetDelta + 1;
    }
    let written = 0;
    while (written < end - start) written += writeSync(segment.fd, records, start + written, end - start - written);
    segment.size += written;
    this.nextOffset = offset;
    pos += written;
    this.wake();
    return { errorCode: KafkaErrorCode.NONE, baseOffset };
  }

  private roll(): Segment {
    // The closed segment is flushed once here, so a later flush of the active file covers the whole log.
    fdatasyncSync(this.active().fd);
    return this.openSegment(this.nextOffset);
  }

  /**
   * Whole batches starting with the one that holds `offset`, up to `maxBytes` (at least one batch, however large,
   * when `atLeastOne`: KIP-74), or null if there is nothing at that offset yet.
   */
  read(offset: number, maxBytes: number, atLeastOne: boolean): Buffer | null {
    if (offset >= this.nextOffset || offset < this.logStartOffset) return null;
    const segment =
      this.segments[
        findLastAtOrBelow(
          this.segments.map((s) => s.baseOffset),
          offset,
        )
      ];
    if (segment === undefined || segment.bases.length === 0) return null;
    const index = findLastAtOrBelow(segment.bases, offset);
    if (index < 0) return null;
    const start = segment.positions[index] as number;
    let end = start;
    for (let i = index; i < segment.bases.length; i++) {
      const batchEnd = i + 1 < segment.positions.length ? (segment.positions[i + 1] as number) : segment.size;
      if (batchEnd - start > maxBytes && !(atLeastOne && i === index)) break;
      end = batchEnd;
    }
    if (end === start) return null;
    const out = Buffer.allocUnsafe(end - start);
    let got = 0;
    while (got < out.length) {
      const n = readSync(segment.fd, out, got, out.length - got, start + got);
      if (n === 0) break;
      got += n;
    }
    return got === out.length ? out : out.subarray(0, got);
  }

  /** ListOffsets by time: the first batch whose newest record is at or after `timestamp` (batch granularity). */
  offsetForTimestamp(timestamp: number): { offset: number; timestamp: number } {
    for (const segment of this.segments) {
      if (segment.maxTimestamp < timestamp) continue;
      for (let i = 0; i < segment.bases.length; i++) {
        const ts = segment.maxTimestamps[i] as number;
        if (ts >= timestamp) return { offset: segment.bases[i] as number, timestamp: ts };
      }
    }
    return { offset: -1, timestamp: -1 };
  }

  /** Deletes closed segments past the retention limits; returns how many were deleted. */
  applyRetention(now: number): number {
    const { retentionMs, retentionBytes } = this.options;
    const active = this.active();
    if (retentionMs >= 0 && active.size > 0 && active.maxTimestamp < now - retentionMs) this.roll();
    let deleted = 0;
    let total = this.sizeBytes;
    while (this.segments.length > 1) {
      const oldest = this.segments[0] as Segment;
      const tooOld = retentionMs >= 0 && oldest.maxTimestamp < now - retentionMs;
      const tooBig = retentionBytes >= 0 && total > retentionBytes;
      if (!tooOld && !tooBig) break;
      this.segments.shift();
      closeSync(oldest.fd);
      rmSync(oldest.path, { force: true });
      total -= oldest.size;
      deleted++;
    }
    return deleted;
  }

  /** Calls `listener` once, on the next append (Fetch long-poll). Returns a function that cancels it. */
  onAppend(listener: () => void): () => void {
    this.waiters.add(listener);
    return () => this.waiters.delete(listener);
  }

  private wake(): void {
    if (this.waiters.size === 0) return;
    const listeners = [...this.waiters];
    this.waiters.clear();
    for (const listener of listeners) listener();
  }

  close(): void {
    for (const segment of this.segments) {
      try {
        fdatasyncSync(segment.fd);
      } catch {
        // Closing anyway: a failed final flush leaves a torn tail that recovery cuts on the next start.
      }
      closeSync(segment.fd);
    }
    this.segments = [];
    this.wake();
  }

  /** Closes and deletes the partition's files (DeleteTopics). */
  destroy(): void {
    this.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function addSequence(seq: number, delta: number): number {
  // Sequences wrap from INT32_MAX to 0 (KIP-98).
  const next = seq + delta;
  return next > INT32_MAX ? next - INT32_MAX - 1 : next;
}

function fstatSizeOf(path: string): number {
  try {
    const fd = openSync(path, 'r');
    try {
      return fstatSync(fd).size;
    } finally {
      closeSync(fd);
    }
  } catch {
    return 0;
  }
}

/** Index of the last element <= value in an ascending array, or -1. */
function findLastAtOrBelow(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= value) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
