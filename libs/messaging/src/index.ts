export { BatchingProducer, type BatchingProducerOptions } from './batching-producer';
export { measureConsumerLag, type LagTarget, type PartitionLag } from './consumer-lag';
export {
  EMBEDDED_BROKER,
  createKafka,
  createKafkaFromSettings,
  type KafkaConnectionOptions,
  type KafkaSettings,
} from './kafka-client';
export { KeyHashPartitioner, murmur2 } from './key-partitioner';
export { kafkaLogCreator, silentLogger, type MessagingLogger } from './logger';
export { MESSAGE_HEADERS, headerValue } from './message-headers';
export {
  RequestReplyClient,
  type IncomingReply,
  type OutgoingRequest,
  type RequestReplyOptions,
} from './request-reply.client';
export { OFFSET_COMMIT_INTERVAL_MS, OffsetCommitter } from './offset-committer';
export {
  RequestConsumer,
  type IncomingRequest,
  type RequestConsumerOptions,
  type RequestHandler,
} from './request.consumer';
export { ensureTopics, type TopicSpec } from './topics';
export {
  kafkaAccessPlan,
  kafkaProvisionScript,
  type KafkaAccessOptions,
  type KafkaAccessPlan,
  type KafkaAcl,
  type KafkaOperation,
  type KafkaPrincipals,
  type ProvisionScriptOptions,
} from './kafka-access';
