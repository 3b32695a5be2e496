import type { Reader } from '../../../protocol/reader';

export interface DescribeGroupsRequest {
  readonly groups: readonly string[];
}

/** DescribeGroups Request (Version: 1) => [groups] (STRING) */
export function decodeDescribeGroupsRequest(r: Reader): DescribeGroupsRequest {
  return { groups: r.array((r) => r.string()) };
}
