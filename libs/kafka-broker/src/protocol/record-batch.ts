import { crc32c } from './crc32c';

/**
 * Record batch v2 header (Kafka protocol guide, "Record Batch"; KIP-98). The broker stores batches exactly as the
 * producer framed them and rewrites only baseOffset, which the CRC does not cover, so a stored batch is served to
 * consumers byte for byte and its CRC still verifies.
 */
export const BATCH = {
  BASE_OFFSET: 0,
  LENGTH: 8,
  PARTITION_LEADER_EPOCH: 12,
  MAGIC: 16,
  CRC: 17,
  ATTRIBUTES: 21,
  LAST_OFFSET_DELTA: 23,
  FIRST_TIMESTAMP: 27,
  MAX_TIMESTAMP: 35,
  PRODUCER_ID: 43,
  PRODUCER_EPOCH: 51,
  BASE_SEQUENCE: 53,
  RECORDS_COUNT: 57,
  HEADER_SIZE: 61,
  /** baseOffset + batchLength: the part of the header outside batchLength. */
  LOG_OVERHEAD: 12,
} as const;

const TWO_32 = 2 ** 32;

export interface BatchInfo {
  /** Where the batch starts in the buffer it was read from. */
  readonly position: number;
  /** Total size including baseOffset and batchLength. */
  readonly size: number;
  readonly lastOffsetDelta: number;
  readonly maxTimestamp: number;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly transactional: boolean;
}

export type BatchProblem = 'truncated' | 'magic' | 'crc' | 'header';

export function readInt64(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * TWO_32 + buf.readUInt32BE(at + 4);
}

export function writeInt64(buf: Buffer, at: number, value: number): void {
  buf.writeInt32BE(Math.floor(value / TWO_32), at);
  buf.writeUInt32BE(value >>> 0, at + 4);
}

/**
 * Splits a records field into batches and checks each one: complete, magic 2, a sane header and (when `checkCrc`)
 * a CRC-32C that matches. Returns the batches or the first problem found; a records field is accepted whole or not
 * at all.
 */
export function scanBatches(
  buf: Buffer,
  start: number,
  end: number,
  checkCrc: boolean,
): { batches: BatchInfo[]; problem?: BatchProblem; problemAt?: number } {
  const batches: BatchInfo[] = [];
  let at = start;
  while (at < end) {
    if (end - at < BATCH.HEADER_SIZE) return { batches, problem: 'truncated', problemAt: at };
    const length = buf.readInt32BE(at + BATCH.LENGTH);
    const size = length + BATCH.LOG_OVERHEAD;
    if (length < BATCH.HEADER_SIZE - BATCH.LOG_OVERHEAD) return { batches, problem: 'header', problemAt: at };
    if (at + size > end) return { batches, problem: 'truncated', problemAt: at };
    if (buf.readInt8(at + BATCH.MAGIC) !== 2) return { batches, problem: 'magic', problemAt: at };
    const lastOffsetDelta = buf.readInt32BE(at + BATCH.LAST_OFFSET_DELTA);
    const count = buf.readInt32BE(at + BATCH.RECORDS_COUNT);
    if (lastOffsetDelta < 0 || count < 0) return { batches, problem: 'header', problemAt: at };
    if (checkCrc && crc32c(buf, at + BATCH.ATTRIBUTES, at + size) !== buf.readUInt32BE(at + BATCH.CRC)) {
      return { batches, problem: 'crc', problemAt: at };
    }
    const attributes = buf.readInt16BE(at + BATCH.ATTRIBUTES);
    batches.push({
      position: at,
      size,
      lastOffsetDelta,
      maxTimestamp: readInt64(buf, at + BATCH.MAX_TIMESTAMP),
      producerId: buf.readBigInt64BE(at + BATCH.PRODUCER_ID),
      producerEpoch: buf.readInt16BE(at + BATCH.PRODUCER_EPOCH),
      baseSequence: buf.readInt32BE(at + BATCH.BASE_SEQUENCE),
      transactional: (attributes & 0x10) !== 0,
    });
    at += size;
  }
  return { batches };
}
