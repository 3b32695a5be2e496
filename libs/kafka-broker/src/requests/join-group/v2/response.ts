import type { Writer } from '../../../protocol/writer';

export interface JoinGroupResponse {
  readonly throttleTimeMs: number;
  readonly errorCode: number;
  readonly generationId: number;
  readonly protocolName: string;
  readonly leader: string;
  readonly memberId: string;
  readonly members: readonly { readonly memberId: string; readonly metadata: Buffer }[];
}

/**
 * JoinGroup Response (Versions: 0, 1) => error_code ...; (Version: 2) => throttle_time_ms error_code generation_id protocol_name leader member_id
 *   [members]; members => member_id metadata
 */
export function encodeJoinGroupResponse(w: Writer, version: number, res: JoinGroupResponse): void {
  if (version >= 2) w.int32(res.throttleTimeMs);
  w.int16(res.errorCode).int32(res.generationId);
  w.string(res.protocolName).string(res.leader).string(res.memberId);
  w.array(res.members, (w, m) => w.string(m.memberId).bytes(m.metadata));
}
