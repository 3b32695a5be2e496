import type { Reader } from '../../../protocol/reader';

export interface InitProducerIdRequest {
  readonly transactionalId: string | null;
  readonly transactionTimeoutMs: number;
}

/** InitProducerId Request (Version: 0) => transactional_id (NULLABLE_STRING) transaction_timeout_ms */
export function decodeInitProducerIdRequest(r: Reader): InitProducerIdRequest {
  return { transactionalId: r.nullableString(), transactionTimeoutMs: r.int32() };
}
