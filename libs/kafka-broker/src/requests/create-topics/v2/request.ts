import type { Reader } from '../../../protocol/reader';

export interface CreatableTopic {
  readonly name: string;
  readonly numPartitions: number;
  readonly replicationFactor: number;
  readonly assignments: readonly { readonly partition: number; readonly brokerIds: readonly number[] }[];
  readonly configs: readonly { readonly name: string; readonly value: string | null }[];
}

export interface CreateTopicsRequest {
  readonly topics: readonly CreatableTopic[];
  readonly timeoutMs: number;
  readonly validateOnly: boolean;
}

/**
 * CreateTopics Request (Version: 2) => [topics] timeout_ms validate_only
 *   topics => name num_partitions replication_factor [assignments] [configs]
 *   assignments => partition_index [broker_ids]; configs => name value (NULLABLE_STRING)
 */
export function decodeCreateTopicsRequest(r: Reader): CreateTopicsRequest {
  return {
    topics: r.array((r) => ({
      name: r.string(),
      numPartitions: r.int32(),
      replicationFactor: r.int16(),
      assignments: r.array((r) => ({ partition: r.int32(), brokerIds: r.array((r) => r.int32()) })),
      configs: r.array((r) => ({ name: r.string(), value: r.nullableString() })),
    })),
    timeoutMs: r.int32(),
    validateOnly: r.bool(),
  };
}
