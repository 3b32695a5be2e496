import type { Reader } from '../../../protocol/reader';

export interface SyncGroupRequest {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly assignments: readonly { readonly memberId: string; readonly assignment: Buffer }[];
}

/** SyncGroup Request (Version: 1) => group_id generation_id member_id [assignments]; assignments => member_id assignment */
export function decodeSyncGroupRequest(r: Reader): SyncGroupRequest {
  return {
    groupId: r.string(),
    generationId: r.int32(),
    memberId: r.string(),
    assignments: r.array((r) => ({ memberId: r.string(), assignment: Buffer.from(r.bytes()) })),
  };
}
