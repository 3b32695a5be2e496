import type { Reader } from '../../../protocol/reader';

export interface FindCoordinatorRequest {
  readonly key: string;
  /** 0: consumer group, 1: transaction (not supported here). */
  readonly keyType: number;
}

/** FindCoordinator Request (Version: 0) => key; (Version: 1) => key key_type (INT8) */
export function decodeFindCoordinatorRequest(r: Reader, version: number): FindCoordinatorRequest {
  return { key: r.string(), keyType: version >= 1 ? r.int8() : 0 };
}
