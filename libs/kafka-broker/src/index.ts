export { startBroker, type RunningBroker } from './start-broker';
export type { BrokerLogger, BrokerLogLevel, BrokerOptions, FlushPolicy } from './server/broker-options';
export { BrokerError, type BrokerErrorCode } from './protocol/broker-error';
export { ApiKey, SUPPORTED_VERSIONS } from './protocol/api-keys';
export { KafkaErrorCode } from './protocol/error-codes';
