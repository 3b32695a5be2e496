import type { Reader } from '../../../protocol/reader';

export interface HeartbeatRequest {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
}

/** Heartbeat Request (Version: 1) => group_id generation_id member_id */
export function decodeHeartbeatRequest(r: Reader): HeartbeatRequest {
  return { groupId: r.string(), generationId: r.int32(), memberId: r.string() };
}
