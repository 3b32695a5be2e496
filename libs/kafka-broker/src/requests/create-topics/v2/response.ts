import type { Writer } from '../../../protocol/writer';

export interface CreateTopicsResponse {
  readonly throttleTimeMs: number;
  readonly topics: readonly {
    readonly name: string;
    readonly errorCode: number;
    readonly errorMessage: string | null;
  }[];
}

/** CreateTopics Response (Version: 2) => throttle_time_ms [topics]; topics => name error_code error_message */
export function encodeCreateTopicsResponse(w: Writer, res: CreateTopicsResponse): void {
  w.int32(res.throttleTimeMs);
  w.array(res.topics, (w, t) => w.string(t.name).int16(t.errorCode).string(t.errorMessage));
}
