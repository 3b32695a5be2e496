import type { Writer } from '../../../protocol/writer';

export interface ListOffsetsResponse {
  readonly topics: readonly {
    readonly topic: string;
    readonly partitions: readonly {
      readonly partition: number;
      readonly errorCode: number;
      readonly timestamp: number;
      readonly offset: number;
    }[];
  }[];
}

/**
 * ListOffsets Response (Version: 1) => [topics]
 *   topics => name [partitions]; partitions => partition_index error_code timestamp offset
 */
export function encodeListOffsetsResponse(w: Writer, res: ListOffsetsResponse): void {
  w.array(res.topics, (w, t) => {
    w.string(t.topic);
    w.array(t.partitions, (w, p) => w.int32(p.partition).int16(p.errorCode).int64(p.timestamp).int64(p.offset));
  });
}
