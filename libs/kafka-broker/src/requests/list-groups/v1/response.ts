import type { Writer } from '../../../protocol/writer';

export interface ListGroupsResponse {
  readonly throttleTimeMs: number;
  readonly errorCode: number;
  readonly groups: readonly { readonly groupId: string; readonly protocolType: string }[];
}

/** ListGroups Response (Version: 1) => throttle_time_ms error_code [groups]; groups => group_id protocol_type */
export function encodeListGroupsResponse(w: Writer, res: ListGroupsResponse): void {
  w.int32(res.throttleTimeMs).int16(res.errorCode);
  w.array(res.groups, (w, g) => w.string(g.groupId).string(g.protocolType));
}
