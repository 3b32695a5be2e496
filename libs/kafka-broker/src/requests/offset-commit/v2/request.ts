import type { Reader } from '../../../protocol/reader';

export interface OffsetCommitRequest {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly retentionTimeMs: number;
  readonly topics: readonly {
    readonly topic: string;
    readonly partitions: readonly {
      readonly partition: number;
      readonly offset: number;
      readonly metadata: string | null;
    }[];
  }[];
}

/**
 * OffsetCommit Request (Version: 2) => group_id generation_id member_id retention_time_ms [topics]
 *   topics => name [partitions]; partitions => partition_index committed_offset committed_metadata
 */
export function decodeOffsetCommitRequest(r: Reader): OffsetCommitRequest {
  return {
    groupId: r.string(),
    generationId: r.int32(),
    memberId: r.string(),
    retentionTimeMs: r.int64(),
    topics: r.array((r) => ({
      topic: r.string(),
      partitions: r.array((r) => ({ partition: r.int32(), offset: r.int64(), metadata: r.nullableString() })),
    })),
  };
}
