import type { Writer } from '../../../protocol/writer';

export interface OffsetFetchResponse {
  readonly throttleTimeMs: number;
  readonly topics: readonly {
    readonly topic: string;
    readonly partitions: readonly {
      readonly partition: number;
      readonly offset: number;
      readonly metadata: string | null;
      readonly errorCode: number;
    }[];
  }[];
  readonly errorCode: number;
}

/**
 * OffsetFetch Response (Version: 1) => [topics]; (Version: 2) => [topics] error_code;
 * (Version: 3) => throttle_time_ms [topics] error_code
 *   topics => name [partitions]; partitions => partition_index committed_offset metadata error_code
 */
export function encodeOffsetFetchResponse(w: Writer, version: number, res: OffsetFetchResponse): void {
  if (version >= 3) w.int32(res.throttleTimeMs);
  w.array(res.topics, (w, t) => {
    w.string(t.topic);
    w.array(t.partitions, (w, p) => w.int32(p.partition).int64(p.offset).string(p.metadata).int16(p.errorCode));
  });
  if (version >= 2) w.int16(res.errorCode);
}
