import type { Writer } from '../../../protocol/writer';

export interface LeaveGroupResponse {
  readonly throttleTimeMs: number;
  readonly errorCode: number;
}

/** LeaveGroup Response (Version: 1) => throttle_time_ms error_code */
export function encodeLeaveGroupResponse(w: Writer, version: number, res: LeaveGroupResponse): void {
  // Version 0 has no throttle_time_ms.
  if (version >= 1) w.int32(res.throttleTimeMs);
  w.int16(res.errorCode);
}
