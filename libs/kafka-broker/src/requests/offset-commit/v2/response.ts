import type { Writer } from '../../../protocol/writer';

export interface OffsetCommitResponse {
  readonly topics: readonly {
    readonly topic: string;
    readonly partitions: readonly { readonly partition: number; readonly errorCode: number }[];
  }[];
}

/** OffsetCommit Response (Version: 2) => [topics]; topics => name [partitions]; partitions => partition_index error_code */
export function encodeOffsetCommitResponse(w: Writer, res: OffsetCommitResponse): void {
  w.array(res.topics, (w, t) => {
    w.string(t.topic);
    w.array(t.partitions, (w, p) => w.int32(p.partition).int16(p.errorCode));
  });
}
