/**
 * @kopir/adapter-sdk: what an integrator needs to connect a registry (docs/integrators.md). A handler per service
 * (`@RegistryService('person-by-iin')`) returns the full answer or throws a KopirError; the SDK verifies the
 * gateway's envelope, refuses replays, validates the body, checks the full answer against the service's published
 * answer schema, masks it to the rule's fields, signs it bound to the request, maps errors to stable codes, reports health to a file and listens on no port. The contract test kit
 * (`adapterContractSuite`, `AdapterTestBed`) is what every adapter's tests call.
 */
export type { AdapterHandler, AdapterHandlerFunction, AdapterLogger, AdapterRequest } from './adapter-request';
export {
  AdapterProcessor,
  type AdapterProcessorOptions,
  type FederationSource,
  type ProcessedRequest,
} from './adapter-processor';
export { ADAPTER_READY, AdapterRuntime, type AdapterRuntimeOptions } from './adapter-runtime';
export { HealthReporter, healthFile, type AdapterHealth, type AdapterState } from './health-reporter';
export { maskAnswer } from './mask-answer';
export { serviceDefinition, type ServiceContract } from './service-definition';
export { RegistryService, handlersOf } from './registry-service.decorator';
export { AdapterModule, type AdapterDefinition, type AdapterSettings } from './nest/adapter.module';
export { runAdapter } from './nest/run-adapter';
export {
  AdapterTestBed,
  type AdapterTestBedOptions,
  type EnvelopeOptions,
  type TestAnswer,
} from './nest/testing/adapter-test-bed';
export { adapterContractSuite, type AdapterContractOptions, type ContractSample } from './nest/testing/contract-suite';
export { listeningTcpSockets } from './nest/testing/listening-sockets';
