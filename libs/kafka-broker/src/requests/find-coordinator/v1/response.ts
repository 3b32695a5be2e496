import type { Writer } from '../../../protocol/writer';

export interface FindCoordinatorResponse {
  readonly throttleTimeMs: number;
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

/**
 * FindCoordinator Response (Version: 0) => error_code node_id host port
 * FindCoordinator Response (Version: 1) => throttle_time_ms error_code error_message node_id host port
 */
export function encodeFindCoordinatorResponse(w: Writer, version: number, res: FindCoordinatorResponse): void {
  if (version >= 1) w.int32(res.throttleTimeMs).int16(res.errorCode).string(res.errorMessage);
  else w.int16(res.errorCode);
  w.int32(res.nodeId).string(res.host).int32(res.port);
}
