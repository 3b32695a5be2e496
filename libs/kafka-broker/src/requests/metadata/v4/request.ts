import type { Reader } from '../../../protocol/reader';

export interface MetadataRequest {
  /** null: every topic; an empty array: none (Kafka protocol guide, Metadata v1+). */
  readonly topics: readonly string[] | null;
  readonly allowAutoTopicCreation: boolean;
}

/** Metadata Request (Version: 4) => [topics] allow_auto_topic_creation; topics => name (STRING) */
export function decodeMetadataRequest(r: Reader): MetadataRequest {
  return { topics: r.nullableArray((r) => r.string()), allowAutoTopicCreation: r.bool() };
}
