import type { Writer } from '../../../protocol/writer';

export interface InitProducerIdResponse {
  readonly throttleTimeMs: number;
  readonly errorCode: number;
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

/** InitProducerId Response (Version: 0) => throttle_time_ms error_code producer_id (INT64) producer_epoch (INT16) */
export function encodeInitProducerIdResponse(w: Writer, res: InitProducerIdResponse): void {
  w.int32(res.throttleTimeMs).int16(res.errorCode).bigInt64(res.producerId).int16(res.producerEpoch);
}
