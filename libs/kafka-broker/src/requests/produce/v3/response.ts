import type { Writer } from '../../../protocol/writer';

export interface ProducePartitionResponse {
  readonly partition: number;
  readonly errorCode: number;
  readonly baseOffset: number;
  readonly logAppendTime: number;
}

export interface ProduceResponse {
  readonly topics: readonly { readonly topic: string; readonly partitions: readonly ProducePartitionResponse[] }[];
  readonly throttleTimeMs: number;
}

/**
 * Produce Response (Version: 3) => [responses] throttle_time_ms
 *   responses => name [partition_responses]
 *   partition_responses => index error_code base_offset log_append_time_ms
 */
export function encodeProduceResponse(w: Writer, res: ProduceResponse): void {
  w.array(res.topics, (w, t) => {
    w.string(t.topic);
    w.array(t.partitions, (w, p) => w.int32(p.partition).int16(p.errorCode).int64(p.baseOffset).int64(p.logAppendTime));
  });
  w.int32(res.throttleTimeMs);
}
