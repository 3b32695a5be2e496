import type { Reader } from '../../../protocol/reader';

export interface OffsetFetchRequest {
  readonly groupId: string;
  /** null: every partition the group has committed (v2+). */
  readonly topics: readonly { readonly topic: string; readonly partitions: readonly number[] }[] | null;
}

/** OffsetFetch Request (Version: 3) => group_id [topics]; topics => name [partition_indexes] */
export function decodeOffsetFetchRequest(r: Reader): OffsetFetchRequest {
  return {
    groupId: r.string(),
    topics: r.nullableArray((r) => ({ topic: r.string(), partitions: r.array((r) => r.int32()) })),
  };
}
