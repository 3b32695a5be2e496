/**
 * The stable error codes of Köpir (DESIGN.md "Errors"). Callers `switch` on these strings; they never change
 * meaning once released. Each carries the HTTP status the gateway answers with, its category (X-Road's
 * validation / business / system split) and whether the same request may succeed if simply retried.
 */
export type ErrorCategory = 'validation' | 'business' | 'system';

export interface ErrorCodeInfo {
  readonly status: number;
  readonly category: ErrorCategory;
  readonly retriable: boolean;
  /** Short human title, the RFC 9457 `title` member. */
  readonly title: string;
}

export const ERROR_CODES = {
  client_certificate_invalid: {
    status: 401,
    category: 'validation',
    retriable: false,
    title: 'Client certificate invalid',
  },
  signature_invalid: { status: 401, category: 'validation', retriable: false, title: 'Request signature invalid' },
  request_expired: { status: 401, category: 'validation', retriable: false, title: 'Request expired' },
  replay_detected: { status: 409, category: 'validation', retriable: false, title: 'Request replayed' },
  access_denied: { status: 403, category: 'business', retriable: false, title: 'Access denied' },
  service_unknown: { status: 404, category: 'business', retriable: false, title: 'Service unknown' },
  request_invalid: { status: 400, category: 'validation', retriable: false, title: 'Request invalid' },
  payload_too_large: { status: 413, category: 'validation', retriable: false, title: 'Payload too large' },
  rate_limited: { status: 429, category: 'business', retriable: true, title: 'Rate limited' },
  provider_unavailable: { status: 503, category: 'system', retriable: true, title: 'Provider unavailable' },
  provider_timeout: { status: 504, category: 'system', retriable: true, title: 'Provider timeout' },
  provider_error: { status: 502, category: 'system', retriable: false, title: 'Provider error' },
  audit_unavailable: { status: 503, category: 'system', retriable: true, title: 'Audit unavailable' },
  maintenance: { status: 503, category: 'system', retriable: true, title: 'Under maintenance' },
  not_found: { status: 404, category: 'validation', retriable: false, title: 'Not found' },
  internal_error: { status: 500, category: 'system', retriable: true, title: 'Internal error' },
  /** A service's configuration is missing or malformed; raised at start, never on a request. */
  config_invalid: { status: 500, category: 'system', retriable: false, title: 'Configuration invalid' },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}
