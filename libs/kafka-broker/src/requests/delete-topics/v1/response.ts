import type { Writer } from '../../../protocol/writer';

export interface DeleteTopicsResponse {
  readonly throttleTimeMs: number;
  readonly topics: readonly { readonly name: string; readonly errorCode: number }[];
}

/** DeleteTopics Response (Version: 1) => throttle_time_ms [responses]; responses => name error_code */
export function encodeDeleteTopicsResponse(w: Writer, res: DeleteTopicsResponse): void {
  w.int32(res.throttleTimeMs);
  w.array(res.topics, (w, t) => w.string(t.name).int16(t.errorCode));
}
