import type { Writer } from '../../../protocol/writer';

export interface HeartbeatResponse {
  readonly throttleTimeMs: number;
  readonly errorCode: number;
}

/** Heartbeat Response (Version: 1) => throttle_time_ms error_code; also LeaveGroup Response (Version: 1). */
export function encodeHeartbeatResponse(w: Writer, res: HeartbeatResponse): void {
  w.int32(res.throttleTimeMs).int16(res.errorCode);
}
