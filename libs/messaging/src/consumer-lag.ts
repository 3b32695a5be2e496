import type { Admin } from 'kafkajs';

/** A consumer group and a topic it reads. */
export interface LagTarget {
  readonly groupId: string;
  readonly topic: string;
}

/** How far one consumer group is behind on one partition. */
export interface PartitionLag extends LagTarget {
  readonly partition: number;
  /** The group's committed offset (the next message it will read), or undefined when it has committed none. */
  readonly committed: number | undefined;
  /** The partition's high watermark (the offset the next message will get). */
  readonly highWatermark: number;
  /** Messages written and not yet committed by the group: high watermark − committed (− log start when none). */
  readonly lag: number;
}

/**
 * The lag of each group on each partition of its topic, the way `kafka-consumer-groups.sh --describe` and Burrow
 * compute it: the partition's high watermark (ListOffsets, latest) less the group's committed offset (OffsetFetch).
 * A group that has committed nothing on a partition is behind by everything still in the log. Köpir's consumers
 * commit at most once a second (OFFSET_COMMIT_INTERVAL_MS), so a busy group that keeps up shows up to a second of
 * traffic as lag. Targets whose topic does not exist yet are left out rather than reported as zero.
 */
export async function measureConsumerLag(admin: Admin, targets: readonly LagTarget[]): Promise<PartitionLag[]> {
  // One Metadata request for the topics that exist: asking kafkajs for an unknown one retries for seconds.
  const existing = new Set(await admin.listTopics());
  const topics = [...new Set(targets.map((t) => t.topic))].filter((topic) => existing.has(topic));
  const watermarks = new Map<string, Awaited<ReturnType<Admin['fetchTopicOffsets']>>>();
  await Promise.all(topics.map(async (topic) => watermarks.set(topic, await admin.fetchTopicOffsets(topic))));
  const lags: PartitionLag[] = [];
  for (const target of targets) {
    const partitions = watermarks.get(target.topic);
    if (!partitions) continue;
    const [offsets] = await admin.fetchOffsets({ groupId: target.groupId, topics: [target.topic] });
    const committedBy = new Map((offsets?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    for (const { partition, high, low } of partitions) {
      const highWatermark = Number(high);
      const stored = committedBy.get(partition);
      const committed = stored !== undefined && stored >= 0 ? stored : undefined;
      lags.push({
        ...target,
        partition,
        committed,
        highWatermark,
        lag: Math.max(0, highWatermark - (committed ?? Number(low))),
      });
    }
  }
  return lags;
}
