import type { Reader } from '../../../protocol/reader';

export interface ListOffsetsRequest {
  readonly replicaId: number;
  readonly topics: readonly {
    readonly topic: string;
    readonly partitions: readonly { readonly partition: number; readonly timestamp: number }[];
  }[];
}

/**
 * ListOffsets Request (Version: 1) => replica_id [topics]
 *   topics => name [partitions]; partitions => partition_index timestamp (INT64; -1 latest, -2 earliest)
 */
export function decodeListOffsetsRequest(r: Reader): ListOffsetsRequest {
  return {
    replicaId: r.int32(),
    topics: r.array((r) => ({
      topic: r.string(),
      partitions: r.array((r) => ({ partition: r.int32(), timestamp: r.int64() })),
    })),
  };
}
