import type { Writer } from '../../../protocol/writer';

export interface HeartbeatResponse {
  readonly throttleTimeMs: number;
  readonly errorCode: number;
}

/** Heartbeat Response (Version: 1) => throttle_time_ms error_code; also LeaveGroup Response (Version: 1). */
export function encodeHeartbeatResponse(w: Writer, version: number, res: HeartbeatResponse): void {
  // Version 0 has no throttle_time_ms.
  if (version >= 1) w.int32(res.throttleTimeMs);
  w.int16(res.errorCode);
}
