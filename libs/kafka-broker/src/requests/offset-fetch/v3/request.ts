import type { Reader } from '../../../protocol/reader';

export interface OffsetFetchRequest {
  readonly groupId: string;
  /** null: every partition the group has committed (v2+). */
  readonly topics: readonly { readonly topic: string; readonly partitions: readonly number[] }[] | null;
}

/** OffsetFetch Request (Versions: 1-3) => group_id [topics]; topics => name [partition_indexes] */
export function decodeOffsetFetchRequest(r: Reader, version: number): OffsetFetchRequest {
  return {
    groupId: r.string(),
    // null (all partitions) is valid from version 2; before it, an array is required.
    topics: (version >= 2 ? r.nullableArray.bind(r) : r.array.bind(r))((r) => ({
      topic: r.string(),
      partitions: r.array((r) => r.int32()),
    })),
  };
}
