import type { Writer } from '../../../protocol/writer';

export interface ApiVersionRange {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
}

export interface ApiVersionsResponse {
  readonly errorCode: number;
  readonly apiKeys: readonly ApiVersionRange[];
  readonly throttleTimeMs: number;
}

/**
 * ApiVersions Response (Version: 0) => error_code [api_keys]
 * ApiVersions Response (Versions: 1, 2) => error_code [api_keys] throttle_time_ms
 *   api_keys => api_key min_version max_version (INT16 each)
 * The v0 layout is also the answer to a request at an unsupported version (Kafka protocol guide, ApiVersions).
 */
export function encodeApiVersionsResponse(w: Writer, version: number, res: ApiVersionsResponse): void {
  w.int16(res.errorCode);
  w.array(res.apiKeys, (w, k) => w.int16(k.apiKey).int16(k.minVersion).int16(k.maxVersion));
  if (version >= 1) w.int32(res.throttleTimeMs);
}
