/** Kafka API keys (Kafka protocol guide, "Api Keys") of the requests this broker understands. */
export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  InitProducerId: 22,
} as const;

export type ApiKey = (typeof ApiKey)[keyof typeof ApiKey];

/**
 * The versions of each API this broker implements (all non-flexible), advertised in ApiVersions. kafkajs picks
 * min(its max, broker max) and librdkafka the highest version in the overlap, so both use the top of each range.
 * The lower ends exist for librdkafka 2.0.2's feature map (rdkafka_feature.c at v2.0.2), which enables a feature
 * only if the broker's range overlaps fixed versions: MsgVer2 needs Produce 3 and Fetch 4; the broker group
 * coordinator FindCoordinator 0; the balanced consumer JoinGroup, SyncGroup, Heartbeat and LeaveGroup 0,
 * OffsetCommit 1-2 and OffsetFetch 1; time-based offsets ListOffsets 1; idempotence InitProducerId 0.
 */
export const SUPPORTED_VERSIONS: ReadonlyMap<ApiKey, { readonly min: number; readonly max: number }> = new Map<
  ApiKey,
  { min: number; max: number }
>([
  [ApiKey.Produce, { min: 3, max: 3 }],
  [ApiKey.Fetch, { min: 4, max: 4 }],
  [ApiKey.ListOffsets, { min: 1, max: 1 }],
  [ApiKey.Metadata, { min: 4, max: 4 }],
  [ApiKey.OffsetCommit, { min: 2, max: 2 }],
  [ApiKey.OffsetFetch, { min: 1, max: 3 }],
  [ApiKey.FindCoordinator, { min: 0, max: 1 }],
  [ApiKey.JoinGroup, { min: 0, max: 2 }],
  [ApiKey.Heartbeat, { min: 0, max: 1 }],
  [ApiKey.LeaveGroup, { min: 0, max: 1 }],
  [ApiKey.SyncGroup, { min: 0, max: 1 }],
  [ApiKey.DescribeGroups, { min: 1, max: 1 }],
  [ApiKey.ListGroups, { min: 1, max: 1 }],
  [ApiKey.ApiVersions, { min: 0, max: 2 }],
  [ApiKey.CreateTopics, { min: 2, max: 2 }],
  [ApiKey.DeleteTopics, { min: 1, max: 1 }],
  [ApiKey.InitProducerId, { min: 0, max: 0 }],
]);
