import type { Writer } from '../../../protocol/writer';

const EMPTY = Buffer.alloc(0);

export interface FetchPartitionResponse {
  readonly partition: number;
  readonly errorCode: number;
  readonly highWatermark: number;
  readonly lastStableOffset: number;
  /** Whole record batches sliced from the log, or null when there is nothing to send. */
  readonly records: Buffer | null;
}

export interface FetchResponse {
  readonly throttleTimeMs: number;
  readonly topics: readonly { readonly topic: string; readonly partitions: readonly FetchPartitionResponse[] }[];
}

/**
 * Fetch Response (Version: 4) => throttle_time_ms [responses]
 *   responses => topic [partitions]
 *   partitions => partition error_code high_watermark last_stable_offset [aborted_transactions] records
 * There are no transactions here, so aborted_transactions is always an empty array.
 */
export function encodeFetchResponse(w: Writer, res: FetchResponse): void {
  w.int32(res.throttleTimeMs);
  w.array(res.topics, (w, t) => {
    w.string(t.topic);
    w.array(t.partitions, (w, p) => {
      w.int32(p.partition).int16(p.errorCode).int64(p.highWatermark).int64(p.lastStableOffset).int32(0);
      // An empty partition gets zero-length records, not null: librdkafka rejects a MessageSetSize of -1.
      w.bytes(p.records ?? EMPTY);
    });
  });
}
