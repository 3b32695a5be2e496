import type { Reader } from '../../../protocol/reader';

export interface LeaveGroupRequest {
  readonly groupId: string;
  readonly memberId: string;
}

/** LeaveGroup Request (Version: 1) => group_id member_id */
export function decodeLeaveGroupRequest(r: Reader): LeaveGroupRequest {
  return { groupId: r.string(), memberId: r.string() };
}
