/**
 * ApiVersions Request (Versions 0-2) has an empty body. Versions 3+ carry client software name and version in a
 * flexible body, which this broker never reads: it answers them with UNSUPPORTED_VERSION in the v0 layout
 * (KIP-511), and the client retries at the highest version listed there.
 */
export type ApiVersionsRequest = Record<string, never>;

export function decodeApiVersionsRequest(): ApiVersionsRequest {
  return {};
}
