import type { Writer } from '../../../protocol/writer';

export interface MetadataBroker {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

export interface MetadataPartition {
  readonly errorCode: number;
  readonly partition: number;
  readonly leader: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
}

export interface MetadataTopic {
  readonly errorCode: number;
  readonly name: string;
  readonly isInternal: boolean;
  readonly partitions: readonly MetadataPartition[];
}

export interface MetadataResponse {
  readonly throttleTimeMs: number;
  readonly brokers: readonly MetadataBroker[];
  readonly clusterId: string | null;
  readonly controllerId: number;
  readonly topics: readonly MetadataTopic[];
}

/**
 * Metadata Response (Version: 4) => throttle_time_ms [brokers] cluster_id controller_id [topics]
 *   brokers => node_id host port rack
 *   topics => error_code name is_internal [partitions]
 *   partitions => error_code partition_index leader_id [replica_nodes] [isr_nodes]
 */
export function encodeMetadataResponse(w: Writer, res: MetadataResponse): void {
  w.int32(res.throttleTimeMs);
  w.array(res.brokers, (w, b) => w.int32(b.nodeId).string(b.host).int32(b.port).string(b.rack));
  w.string(res.clusterId).int32(res.controllerId);
  w.array(res.topics, (w, t) => {
    w.int16(t.errorCode).string(t.name).bool(t.isInternal);
    w.array(t.partitions, (w, p) => {
      w.int16(p.errorCode).int32(p.partition).int32(p.leader);
      w.array(p.replicas, (w, n) => w.int32(n));
      w.array(p.isr, (w, n) => w.int32(n));
    });
  });
}
