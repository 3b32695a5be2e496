import type { Writer } from '../../../protocol/writer';

export interface SyncGroupResponse {
  readonly throttleTimeMs: number;
  readonly errorCode: number;
  readonly assignment: Buffer;
}

/** SyncGroup Response (Version: 1) => throttle_time_ms error_code assignment (BYTES) */
export function encodeSyncGroupResponse(w: Writer, res: SyncGroupResponse): void {
  w.int32(res.throttleTimeMs).int16(res.errorCode).bytes(res.assignment);
}
