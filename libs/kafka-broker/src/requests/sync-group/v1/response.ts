import type { Writer } from '../../../protocol/writer';

export interface SyncGroupResponse {
  readonly throttleTimeMs: number;
  readonly errorCode: number;
  readonly assignment: Buffer;
}

/** SyncGroup Response (Version: 1) => throttle_time_ms error_code assignment (BYTES) */
export function encodeSyncGroupResponse(w: Writer, version: number, res: SyncGroupResponse): void {
  // Version 0 has no throttle_time_ms.
  if (version >= 1) w.int32(res.throttleTimeMs);
  w.int16(res.errorCode).bytes(res.assignment);
}
