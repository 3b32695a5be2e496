import type { Reader } from '../../../protocol/reader';

export interface ProducePartitionData {
  readonly partition: number;
  /** The records field: one or more record batches v2, a view into the request frame. */
  readonly records: Buffer | null;
}

export interface ProduceRequest {
  readonly transactionalId: string | null;
  readonly acks: number;
  readonly timeoutMs: number;
  readonly topics: readonly { readonly topic: string; readonly partitions: readonly ProducePartitionData[] }[];
}

/**
 * Produce Request (Version: 3) => transactional_id acks timeout_ms [topic_data]
 *   transactional_id => NULLABLE_STRING; acks => INT16; timeout_ms => INT32
 *   topic_data => name [partition_data]; partition_data => index records (RECORDS = NULLABLE_BYTES)
 */
export function decodeProduceRequest(r: Reader): ProduceRequest {
  return {
    transactionalId: r.nullableString(),
    acks: r.int16(),
    timeoutMs: r.int32(),
    topics: r.array((r) => ({
      topic: r.string(),
      partitions: r.array((r) => ({ partition: r.int32(), records: r.nullableBytes() })),
    })),
  };
}
