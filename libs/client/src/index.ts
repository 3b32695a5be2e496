export {
  KopirCallError,
  KopirClient,
  type CallOptions,
  type CallResult,
  type KopirClientOptions,
} from './kopir-client';
