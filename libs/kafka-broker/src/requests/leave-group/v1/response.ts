import type { Writer } from '../../../protocol/writer';

export interface LeaveGroupResponse {
  readonly throttleTimeMs: number;
  readonly errorCode: number;
}

/** LeaveGroup Response (Version: 1) => throttle_time_ms error_code */
export function encodeLeaveGroupResponse(w: Writer, res: LeaveGroupResponse): void {
  w.int32(res.throttleTimeMs).int16(res.errorCode);
}
