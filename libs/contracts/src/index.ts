export { ERROR_CODES, isErrorCode, type ErrorCategory, type ErrorCode, type ErrorCodeInfo } from './error-codes';
export { KopirError, isKopirError, toKopirError, type KopirErrorOptions } from './kopir-error';
export {
  SYSTEM_URI_PREFIX,
  isAgencyCode,
  isServiceId,
  isSystemId,
  parseAgencyCode,
  parseServiceId,
  parseSystemId,
  systemFromUri,
  systemUri,
  type AgencyCode,
  type ParsedServiceId,
  type ParsedSystemId,
  type ServiceId,
  type SystemId,
} from './identifiers';
export {
  AUDIT_CONSUMER_GROUP,
  AUDIT_EVENT_TYP,
  AUDIT_TOPIC,
  HEADERS,
  ADAPTER_GROUP_PREFIX,
  adapterGroup,
  gatewayReplyGroup,
  replyTopic,
  requestTopic,
} from './topics';
export { PROBLEM_TYPE_BASE, problemDetails, type ProblemDetails } from './problem-details';
