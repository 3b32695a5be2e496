import type { Kafka } from 'kafkajs';

export interface TopicSpec {
  readonly topic: string;
  readonly numPartitions: number;
  /** 1 on the embedded broker; 3 on a production cluster (DESIGN.md "Scale"). */
  readonly replicationFactor?: number;
}

/** Creates the topics that do not exist yet; topics that exist are left as they are. */
export async function ensureTopics(kafka: Kafka, topics: readonly TopicSpec[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({
          topic: t.topic,
          numPartitions: t.numPartitions,
          ...(t.replicationFactor === undefined ? {} : { replicationFactor: t.replicationFactor }),
        })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}
