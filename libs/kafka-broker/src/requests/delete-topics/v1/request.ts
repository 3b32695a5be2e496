import type { Reader } from '../../../protocol/reader';

export interface DeleteTopicsRequest {
  readonly topics: readonly string[];
  readonly timeoutMs: number;
}

/** DeleteTopics Request (Version: 1) => [topic_names] timeout_ms */
export function decodeDeleteTopicsRequest(r: Reader): DeleteTopicsRequest {
  return { topics: r.array((r) => r.string()), timeoutMs: r.int32() };
}
