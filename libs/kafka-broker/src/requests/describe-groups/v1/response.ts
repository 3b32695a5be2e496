import type { Writer } from '../../../protocol/writer';

export interface DescribedMember {
  readonly memberId: string;
  readonly clientId: string;
  readonly clientHost: string;
  readonly metadata: Buffer;
  readonly assignment: Buffer;
}

export interface DescribedGroup {
  readonly errorCode: number;
  readonly groupId: string;
  readonly state: string;
  readonly protocolType: string;
  readonly protocol: string;
  readonly members: readonly DescribedMember[];
}

export interface DescribeGroupsResponse {
  readonly throttleTimeMs: number;
  readonly groups: readonly DescribedGroup[];
}

/**
 * DescribeGroups Response (Version: 1) => throttle_time_ms [groups]
 *   groups => error_code group_id group_state protocol_type protocol_data [members]
 *   members => member_id client_id client_host member_metadata member_assignment
 */
export function encodeDescribeGroupsResponse(w: Writer, res: DescribeGroupsResponse): void {
  w.int32(res.throttleTimeMs);
  w.array(res.groups, (w, g) => {
    w.int16(g.errorCode).string(g.groupId).string(g.state).string(g.protocolType).string(g.protocol);
    w.array(g.members, (w, m) =>
      w.string(m.memberId).string(m.clientId).string(m.clientHost).bytes(m.metadata).bytes(m.assignment),
    );
  });
}
