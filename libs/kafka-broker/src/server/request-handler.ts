import { ApiKey } from '../protocol/api-keys';
import { BrokerError } from '../protocol/broker-error';
import { KafkaErrorCode } from '../protocol/error-codes';
import type { Reader } from '../protocol/reader';
import { scanBatches } from '../protocol/record-batch';
import { Writer } from '../protocol/writer';
import type { GroupCoordinator } from '../group/group-coordinator';
import type { Flusher } from '../log/flusher';
import type { OffsetStore } from '../log/offset-store';
import type { PartitionLog } from '../log/partition-log';
import { isValidTopicName, type Topic, type TopicStore } from '../log/topic-store';
import { encodeApiVersionsResponse } from '../requests/api-versions/v0/response';
import { decodeCreateTopicsRequest } from '../requests/create-topics/v2/request';
import { encodeCreateTopicsResponse } from '../requests/create-topics/v2/response';
import { decodeDeleteTopicsRequest } from '../requests/delete-topics/v1/request';
import { encodeDeleteTopicsResponse } from '../requests/delete-topics/v1/response';
import { decodeDescribeGroupsRequest } from '../requests/describe-groups/v1/request';
import { encodeDescribeGroupsResponse } from '../requests/describe-groups/v1/response';
import { decodeFetchRequest, type FetchRequest } from '../requests/fetch/v4/request';
import { encodeFetchResponse, type FetchPartitionResponse } from '../requests/fetch/v4/response';
import { decodeFindCoordinatorRequest } from '../requests/find-coordinator/v1/request';
import { encodeFindCoordinatorResponse } from '../requests/find-coordinator/v1/response';
import { decodeHeartbeatRequest } from '../requests/heartbeat/v1/request';
import { encodeHeartbeatResponse } from '../requests/heartbeat/v1/response';
import { decodeInitProducerIdRequest } from '../requests/init-producer-id/v0/request';
import { encodeInitProducerIdResponse } from '../requests/init-producer-id/v0/response';
import { decodeJoinGroupRequest } from '../requests/join-group/v2/request';
import { encodeJoinGroupResponse } from '../requests/join-group/v2/response';
import { decodeLeaveGroupRequest } from '../requests/leave-group/v1/request';
import { encodeLeaveGroupResponse } from '../requests/leave-group/v1/response';
import { encodeListGroupsResponse } from '../requests/list-groups/v1/response';
import { decodeListOffsetsRequest } from '../requests/list-offsets/v1/request';
import { encodeListOffsetsResponse } from '../requests/list-offsets/v1/response';
import { decodeMetadataRequest } from '../requests/metadata/v4/request';
import { encodeMetadataResponse, type MetadataTopic } from '../requests/metadata/v4/response';
import { decodeOffsetCommitRequest } from '../requests/offset-commit/v2/request';
import { encodeOffsetCommitResponse } from '../requests/offset-commit/v2/response';
import { decodeOffsetFetchRequest } from '../requests/offset-fetch/v3/request';
import { encodeOffsetFetchResponse } from '../requests/offset-fetch/v3/response';
import { decodeProduceRequest } from '../requests/produce/v3/request';
import { encodeProduceResponse, type ProducePartitionResponse } from '../requests/produce/v3/response';
import { decodeSyncGroupRequest } from '../requests/sync-group/v1/request';
import { encodeSyncGroupResponse } from '../requests/sync-group/v1/response';
import type { ResolvedBrokerOptions } from './broker-options';
import { apiVersionRanges, type HandlerResult, type RequestContext } from './connection';
import type { ProducerIdStore } from './producer-ids';

/** Kafka error 56: the log directory failed (here: a flush the disk refused). */
const KAFKA_STORAGE_ERROR = 56;

export interface BrokerState {
  readonly options: ResolvedBrokerOptions;
  readonly topics: TopicStore;
  readonly offsets: OffsetStore;
  readonly groups: GroupCoordinator;
  readonly flusher: Flusher;
  readonly producerIds: ProducerIdStore;
  /** The actual port once listening (the advertised port in Metadata and FindCoordinator). */
  port: number;
}

function encode(fill: (w: Writer) => void, size = 256): Buffer {
  const w = new Writer(size);
  fill(w);
  return w.toBuffer();
}

/**
 * Answers every supported request from the broker's state. Decoding errors propagate as BrokerError and close the
 * connection; everything a client can get wrong in a well-formed request is answered with a Kafka error code.
 */
export class RequestHandler {
  constructor(private readonly state: BrokerState) {}

  handle(ctx: RequestContext, r: Reader): HandlerResult | Promise<HandlerResult> {
    const apiKey = ctx.header.apiKey as ApiKey;
    switch (apiKey) {
      case ApiKey.ApiVersions:
        return encode((w) =>
          encodeApiVersionsResponse(w, ctx.header.apiVersion, {
            errorCode: 0,
            apiKeys: apiVersionRanges(),
            throttleTimeMs: 0,
          }),
        );
      case ApiKey.Metadata:
        return this.metadata(r);
      case ApiKey.Produce:
        return this.produce(r);
      case ApiKey.Fetch:
        return this.fetch(ctx, r);
      case ApiKey.ListOffsets:
        return this.listOffsets(r);
      case ApiKey.FindCoordinator:
        return this.findCoordinator(r, ctx.header.apiVersion);
      case ApiKey.JoinGroup:
        return this.joinGroup(ctx, r);
      case ApiKey.SyncGroup: {
        const req = decodeSyncGroupRequest(r);
        return this.state.groups
          .sync(req.groupId, req.generationId, req.memberId, req.assignments)
          .then((res) =>
            encode((w) => encodeSyncGroupResponse(w, ctx.header.apiVersion, { throttleTimeMs: 0, ...res })),
          );
      }
      case ApiKey.Heartbeat: {
        const req = decodeHeartbeatRequest(r);
        const errorCode = this.state.groups.heartbeat(req.groupId, req.generationId, req.memberId);
        return encode((w) => encodeHeartbeatResponse(w, ctx.header.apiVersion, { throttleTimeMs: 0, errorCode }), 8);
      }
      case ApiKey.LeaveGroup: {
        const req = decodeLeaveGroupRequest(r);
        const errorCode = this.state.groups.leave(req.groupId, req.memberId);
        return encode((w) => encodeLeaveGroupResponse(w, ctx.header.apiVersion, { throttleTimeMs: 0, errorCode }), 8);
      }
      case ApiKey.OffsetCommit:
        return this.offsetCommit(r);
      case ApiKey.OffsetFetch:
        return this.offsetFetch(r, ctx.header.apiVersion);
      case ApiKey.DescribeGroups: {
        const req = decodeDescribeGroupsRequest(r);
        const groups = req.groups.map((groupId) => ({ errorCode: 0, groupId, ...this.state.groups.describe(groupId) }));
        return encode((w) => encodeDescribeGroupsResponse(w, { throttleTimeMs: 0, groups }));
      }
      case ApiKey.ListGroups:
        return encode((w) =>
          encodeListGroupsResponse(w, { throttleTimeMs: 0, errorCode: 0, groups: this.state.groups.list() }),
        );
      case ApiKey.CreateTopics:
        return this.createTopics(r);
      case ApiKey.DeleteTopics:
        return this.deleteTopics(r);
      case ApiKey.InitProducerId:
        return this.initProducerId(r);
      default:
        throw new BrokerError('unknown_api', `API key ${String(apiKey)} has no handler`);
    }
  }

  private autoCreate(name: string): Topic | undefined {
    const { topics, options } = this.state;
    const existing = topics.get(name);
    if (existing !== undefined || !options.autoCreateTopics || !isValidTopicName(name)) return existing;
    options.log('info', `auto-creating topic ${name} with ${options.defaultPartitions} partition(s)`);
    return topics.create(name, options.defaultPartitions);
  }

  private metadata(r: Reader): Buffer {
    const req = decodeMetadataRequest(r);
    const { options, topics } = this.state;
    const describe = (topic: Topic): MetadataTopic => ({
      errorCode: 0,
      name: topic.name,
      isInternal: false,
      partitions: topic.partitions.map((_, partition) => ({
        errorCode: 0,
        partition,
        leader: options.nodeId,
        replicas: [options.nodeId],
        isr: [options.nodeId],
      })),
    });
    let result: MetadataTopic[];
    if (req.topics === null) {
      result = [...topics.all()].map(describe);
    } else {
      result = req.topics.map((name) => {
        const topic = req.allowAutoTopicCreation ? this.autoCreate(name) : topics.get(name);
        if (topic !== undefined) return describe(topic);
        const errorCode = isValidTopicName(name)
          ? KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION
          : KafkaErrorCode.INVALID_TOPIC_EXCEPTION;
        return { errorCode, name, isInternal: false, partitions: [] };
      });
    }
    return encode((w) =>
      encodeMetadataResponse(w, {
        throttleTimeMs: 0,
        brokers: [{ nodeId: options.nodeId, host: options.advertisedHost, port: this.state.port, rack: null }],
        clusterId: options.clusterId,
        controllerId: options.nodeId,
        topics: result,
      }),
    );
  }

  private produce(r: Reader): HandlerResult | Promise<HandlerResult> {
    const req = decodeProduceRequest(r);
    const { options, flusher } = this.state;
    const validAcks = req.acks === 0 || req.acks === 1 || req.acks === -1;
    const touched = new Set<PartitionLog>();
    const topics = req.topics.map((t) => {
      const topic = validAcks ? this.autoCreate(t.topic) : undefined;
      const partitions = t.partitions.map((p): ProducePartitionResponse => {
        const fail = (errorCode: number): ProducePartitionResponse => ({
          partition: p.partition,
          errorCode,
          baseOffset: -1,
          logAppendTime: -1,
        });
        if (!validAcks) return fail(KafkaErrorCode.INVALID_REQUIRED_ACKS);
        if (req.transactionalId !== null) return fail(KafkaErrorCode.INVALID_REQUEST);
        const log = topic?.partitions[p.partition];
        if (log === undefined) {
          options.log('warn', `produce to missing partition ${t.topic}[${p.partition}]`);
          return fail(
            isValidTopicName(t.topic)
              ? KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION
              : KafkaErrorCode.INVALID_TOPIC_EXCEPTION,
          );
        }
        const records = p.records;
        if (records === null || records.length === 0) return fail(KafkaErrorCode.CORRUPT_MESSAGE);
        const scan = scanBatches(records, 0, records.length, true);
        if (scan.problem !== undefined) {
          options.log('warn', `produce to ${t.topic}[${p.partition}] refused: record batch ${scan.problem}`);
          return fail(KafkaErrorCode.CORRUPT_MESSAGE);
        }
        for (const batch of scan.batches) {
          if (batch.size > options.maxBatchBytes) return fail(KafkaErrorCode.MESSAGE_TOO_LARGE);
          if (batch.transactional) return fail(KafkaErrorCode.INVALID_REQUEST);
        }
        const result = log.append(records, scan.batches);
        if (result.errorCode === KafkaErrorCode.NONE) touched.add(log);
        return {
          partition: p.partition,
          errorCode: result.errorCode,
          baseOffset: result.baseOffset,
          logAppendTime: -1,
        };
      });
      return { topic: t.topic, partitions };
    });
    if (req.acks === 0) return null;
    const respond = (): Buffer => encode((w) => encodeProduceResponse(w, { topics, throttleTimeMs: 0 }));
    const mustFlush =
      touched.size > 0 && (options.flush === 'always' || (options.flush === 'acks-all' && req.acks === -1));
    if (!mustFlush) return respond();
    return flusher.flush([...touched].map((log) => log.activeFd)).then((ok) => {
      if (!ok) {
        options.log('error', 'flush failed: answering produce with KAFKA_STORAGE_ERROR');
        for (const t of topics) {
          for (const p of t.partitions)
            if (p.errorCode === 0) (p as { errorCode: number }).errorCode = KAFKA_STORAGE_ERROR;
        }
      }
      return respond();
    });
  }

  private fetch(ctx: RequestContext, r: Reader): HandlerResult | Promise<HandlerResult> {
    const req = decodeFetchRequest(r);
    const first = this.readFetch(req);
    if (first.bytes >= req.minBytes || req.maxWaitMs <= 0 || first.error) return first.response();
    // Long poll (Kafka protocol guide, Fetch: max_wait_ms / min_bytes): answer when enough data arrives or the
    // wait ends, woken by an append to any requested partition.
    return new Promise<HandlerResult>((resolve) => {
      const cancels: (() => void)[] = [];
      let done = false;
      const finish = (): void => {
        if (done) return;
        const next = this.readFetch(req);
        if (next.bytes < req.minBytes && !timedOut) {
          listen();
          return;
        }
        done = true;
        clearTimeout(timer);
        for (const cancel of cancels) cancel();
        resolve(next.response());
      };
      let timedOut = false;
      const listen = (): void => {
        for (const t of req.topics) {
          for (const p of t.partitions) {
            const log = this.state.topics.partition(t.topic, p.partition);
            if (log !== undefined) cancels.push(log.onAppend(() => queueMicrotask(finish)));
          }
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        finish();
      }, req.maxWaitMs);
      listen();
      ctx.onClose(() => {
        done = true;
        clearTimeout(timer);
        for (const cancel of cancels) cancel();
      });
    });
  }

  private readFetch(req: FetchRequest): { bytes: number; error: boolean; response: () => Buffer } {
    let remaining = req.maxBytes;
    let bytes = 0;
    let error = false;
    const topics = req.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p): FetchPartitionResponse => {
        const log = this.state.topics.partition(t.topic, p.partition);
        if (log === undefined) {
          error = true;
          return {
            partition: p.partition,
            errorCode: KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            highWatermark: -1,
            lastStableOffset: -1,
            records: null,
          };
        }
        const hw = log.nextOffset;
        if (p.fetchOffset > hw || p.fetchOffset < log.logStartOffset) {
          error = true;
          return {
            partition: p.partition,
            errorCode: KafkaErrorCode.OFFSET_OUT_OF_RANGE,
            highWatermark: hw,
            lastStableOffset: hw,
            records: null,
          };
        }
        let records: Buffer | null = null;
        if (remaining > 0 && p.fetchOffset < hw) {
          // KIP-74: the first batch of the response is sent even if it is larger than the limits.
          records = log.read(p.fetchOffset, Math.min(p.partitionMaxBytes, remaining), bytes === 0);
          if (records !== null) {
            bytes += records.length;
            remaining -= records.length;
          }
        }
        return { partition: p.partition, errorCode: 0, highWatermark: hw, lastStableOffset: hw, records };
      }),
    }));
    return {
      bytes,
      error,
      response: () => encode((w) => encodeFetchResponse(w, { throttleTimeMs: 0, topics }), bytes + 256),
    };
  }

  private listOffsets(r: Reader): Buffer {
    const req = decodeListOffsetsRequest(r);
    const topics = req.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p) => {
        const log = this.state.topics.partition(t.topic, p.partition);
        if (log === undefined) {
          return {
            partition: p.partition,
            errorCode: KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            timestamp: -1,
            offset: -1,
          };
        }
        if (p.timestamp === -1) return { partition: p.partition, errorCode: 0, timestamp: -1, offset: log.nextOffset };
        if (p.timestamp === -2)
          return { partition: p.partition, errorCode: 0, timestamp: -1, offset: log.logStartOffset };
        return { partition: p.partition, errorCode: 0, ...log.offsetForTimestamp(p.timestamp) };
      }),
    }));
    return encode((w) => encodeListOffsetsResponse(w, { topics }));
  }

  private findCoordinator(r: Reader, version: number): Buffer {
    const req = decodeFindCoordinatorRequest(r, version);
    const { options } = this.state;
    // Only consumer groups (key_type 0) have a coordinator here: there are no transactions.
    const ok = req.keyType === 0 && req.key.length > 0;
    return encode((w) =>
      encodeFindCoordinatorResponse(w, version, {
        throttleTimeMs: 0,
        errorCode: ok
          ? 0
          : req.keyType === 0
            ? KafkaErrorCode.INVALID_GROUP_ID
            : KafkaErrorCode.COORDINATOR_NOT_AVAILABLE,
        errorMessage: ok ? null : 'no coordinator for this key',
        nodeId: ok ? options.nodeId : -1,
        host: ok ? options.advertisedHost : '',
        port: ok ? this.state.port : -1,
      }),
    );
  }

  private joinGroup(ctx: RequestContext, r: Reader): Promise<HandlerResult> {
    const req = decodeJoinGroupRequest(r, ctx.header.apiVersion);
    return this.state.groups
      .join({ ...req, clientId: ctx.header.clientId, clientHost: ctx.clientHost })
      .then((res) => encode((w) => encodeJoinGroupResponse(w, ctx.header.apiVersion, { throttleTimeMs: 0, ...res })));
  }

  private offsetCommit(r: Reader): HandlerResult | Promise<HandlerResult> {
    const req = decodeOffsetCommitRequest(r);
    const groupError = this.state.groups.checkCommit(req.groupId, req.generationId, req.memberId);
    const accepted: { topic: string; partition: number; offset: number; metadata: string | null }[] = [];
    const topics = req.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p) => {
        let errorCode: number = groupError;
        if (errorCode === 0 && this.state.topics.partition(t.topic, p.partition) === undefined) {
          errorCode = KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        }
        if (errorCode === 0)
          accepted.push({ topic: t.topic, partition: p.partition, offset: p.offset, metadata: p.metadata });
        return { partition: p.partition, errorCode };
      }),
    }));
    const respond = (): Buffer => encode((w) => encodeOffsetCommitResponse(w, { topics }));
    if (accepted.length === 0) return respond();
    this.state.offsets.commit(req.groupId, accepted);
    const { flush } = this.state.options;
    if (flush === 'always') return this.state.flusher.flush([this.state.offsets.fileDescriptor]).then(respond);
    // Default policy: answered once written (it survives a broker process crash); the sync to disk follows in the
    // background, shared with other flushes. Waiting for it put an fdatasync (p99 ~10 ms on this disk) on every
    // consumer's path, since kafkajs commits after each batch before it fetches again: the request-response p99.
    // A commit lost to a power cut within that window only re-delivers records (at-least-once), which is also what
    // Apache Kafka risks: it leaves __consumer_offsets to the page cache and relies on replication (docs/broker.md).
    if (flush === 'acks-all') void this.state.flusher.flush([this.state.offsets.fileDescriptor]);
    return respond();
  }

  private offsetFetch(r: Reader, version: number): Buffer {
    const req = decodeOffsetFetchRequest(r, version);
    const { offsets } = this.state;
    const wanted =
      req.topics ??
      [...offsets.topicsOf(req.groupId)].map(([topic, partitions]) => ({ topic, partitions: [...partitions.keys()] }));
    const topics = wanted.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((partition) => {
        const committed = offsets.get(req.groupId, t.topic, partition);
        return { partition, offset: committed?.offset ?? -1, metadata: committed?.metadata ?? '', errorCode: 0 };
      }),
    }));
    return encode((w) => encodeOffsetFetchResponse(w, version, { throttleTimeMs: 0, topics, errorCode: 0 }));
  }

  private createTopics(r: Reader): Buffer {
    const req = decodeCreateTopicsRequest(r);
    const { topics, options } = this.state;
    const seen = new Set<string>();
    const results = req.topics.map((t) => {
      const reply = (
        errorCode: number,
        errorMessage: string | null = null,
      ): { name: string; errorCode: number; errorMessage: string | null } => ({
        name: t.name,
        errorCode,
        errorMessage,
      });
      if (seen.has(t.name)) return reply(KafkaErrorCode.INVALID_REQUEST, 'topic listed twice');
      seen.add(t.name);
      if (t.replicationFactor !== -1 && t.replicationFactor !== 1) {
        return reply(
          KafkaErrorCode.INVALID_REPLICATION_FACTOR,
          'this is a single-node broker: replication factor must be 1',
        );
      }
      let partitions = t.numPartitions === -1 ? options.defaultPartitions : t.numPartitions;
      if (t.assignments.length > 0) {
        if (t.numPartitions !== -1)
          return reply(KafkaErrorCode.INVALID_REQUEST, 'both num_partitions and assignments given');
        partitions = t.assignments.length;
      }
      const configs: Record<string, string> = {};
      for (const c of t.configs) if (c.value !== null) configs[c.name] = c.value;
      const problem = topics.validate(t.name, partitions, configs);
      if (problem !== undefined) return reply(problem.code, problem.message);
      if (!req.validateOnly) {
        topics.create(t.name, partitions, configs);
        options.log('info', `created topic ${t.name} with ${partitions} partition(s)`);
      }
      return reply(0);
    });
    return encode((w) => encodeCreateTopicsResponse(w, { throttleTimeMs: 0, topics: results }));
  }

  private deleteTopics(r: Reader): Buffer {
    const req = decodeDeleteTopicsRequest(r);
    const results = req.topics.map((name) => {
      const deleted = this.state.topics.delete(name);
      if (deleted) {
        this.state.offsets.deleteTopic(name);
        this.state.options.log('info', `deleted topic ${name}`);
      }
      return { name, errorCode: deleted ? 0 : KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
    });
    return encode((w) => encodeDeleteTopicsResponse(w, { throttleTimeMs: 0, topics: results }));
  }

  private initProducerId(r: Reader): Buffer {
    const req = decodeInitProducerIdRequest(r);
    // Idempotence only: a transactional id would need a transaction coordinator, which this broker does not have.
    if (req.transactionalId !== null) {
      return encode((w) =>
        encodeInitProducerIdResponse(w, {
          throttleTimeMs: 0,
          errorCode: KafkaErrorCode.INVALID_REQUEST,
          producerId: -1n,
          producerEpoch: -1,
        }),
      );
    }
    const producerId = this.state.producerIds.allocate();
    return encode((w) =>
      encodeInitProducerIdResponse(w, { throttleTimeMs: 0, errorCode: 0, producerId, producerEpoch: 0 }),
    );
  }
}
