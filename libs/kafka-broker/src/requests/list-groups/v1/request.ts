/** ListGroups Request (Version: 1) has an empty body. */
export type ListGroupsRequest = Record<string, never>;

export function decodeListGroupsRequest(): ListGroupsRequest {
  return {};
}
