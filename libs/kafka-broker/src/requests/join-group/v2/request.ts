import type { Reader } from '../../../protocol/reader';

export interface JoinGroupRequest {
  readonly groupId: string;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly memberId: string;
  readonly protocolType: string;
  readonly protocols: readonly { readonly name: string; readonly metadata: Buffer }[];
}

/**
 * JoinGroup Request (Version: 0) => group_id session_timeout_ms member_id protocol_type [protocols]
 * JoinGroup Request (Versions: 1, 2) => group_id session_timeout_ms rebalance_timeout_ms member_id protocol_type
 *   [protocols]; protocols => name metadata (BYTES)
 */
export function decodeJoinGroupRequest(r: Reader, version: number): JoinGroupRequest {
  const groupId = r.string();
  const sessionTimeoutMs = r.int32();
  // Version 0 has no rebalance timeout: the session timeout bounds the rebalance too (KIP-62).
  const rebalanceTimeoutMs = version >= 1 ? r.int32() : sessionTimeoutMs;
  return {
    groupId,
    sessionTimeoutMs,
    rebalanceTimeoutMs,
    memberId: r.string(),
    protocolType: r.string(),
    // Copied: the member's metadata outlives the request frame it arrived in.
    protocols: r.array((r) => ({ name: r.string(), metadata: Buffer.from(r.bytes()) })),
  };
}
