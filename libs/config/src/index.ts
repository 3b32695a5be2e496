export {
  HOST_PORT,
  bool,
  bytes,
  directory,
  duration,
  int,
  list,
  oneOf,
  optional,
  port,
  readableFile,
  str,
  type Field,
} from './fields';
export {
  ConfigError,
  childEnvironment,
  describeConfig,
  loadConfig,
  type ConfigOf,
  type ConfigProblem,
  type ConfigSpec,
} from './load-config';
export {
  SERVICE_CONFIGS,
  brokerConfigSpec,
  federationConfigSpec,
  kafkaConfigSpec,
  registriesConfigSpec,
  auditConfigSpec,
  adapterConfigSpec,
  type ServiceName,
} from './services';
