import type { Reader } from '../../../protocol/reader';

export interface FetchPartition {
  readonly partition: number;
  readonly fetchOffset: number;
  readonly partitionMaxBytes: number;
}

export interface FetchRequest {
  readonly replicaId: number;
  readonly maxWaitMs: number;
  readonly minBytes: number;
  readonly maxBytes: number;
  readonly isolationLevel: number;
  readonly topics: readonly { readonly topic: string; readonly partitions: readonly FetchPartition[] }[];
}

/**
 * Fetch Request (Version: 4) => replica_id max_wait_ms min_bytes max_bytes isolation_level [topics]
 *   topics => topic [partitions]; partitions => partition fetch_offset (INT64) partition_max_bytes
 */
export function decodeFetchRequest(r: Reader): FetchRequest {
  return {
    replicaId: r.int32(),
    maxWaitMs: r.int32(),
    minBytes: r.int32(),
    maxBytes: r.int32(),
    isolationLevel: r.int8(),
    topics: r.array((r) => ({
      topic: r.string(),
      partitions: r.array((r) => ({ partition: r.int32(), fetchOffset: r.int64(), partitionMaxBytes: r.int32() })),
    })),
  };
}
