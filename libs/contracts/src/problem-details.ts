import { ERROR_CODES } from './error-codes';
import { isKopirError, type KopirError } from './kopir-error';

/** An RFC 9457 problem details object, with Köpir's extension members. */
export interface ProblemDetails {
  /** RFC 9457 §3.1.1: a URI that identifies the problem type; ours resolve to docs/api.md#errors. */
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  /** Stable machine-readable code (DESIGN.md "Errors"). */
  readonly code: string;
  readonly retriable: boolean;
  readonly instance?: string;
  readonly requestId?: string;
}

export const PROBLEM_TYPE_BASE = 'urn:kopir:problem:';

/**
 * The problem+json body for an error. Anything that is not a KopirError becomes `internal_error` with a generic
 * detail: stack traces and messages of unexpected failures never reach the caller (they go to the logs).
 */
export function problemDetails(error: unknown, extra: { instance?: string; requestId?: string } = {}): ProblemDetails {
  const known: KopirError | undefined = isKopirError(error) ? error : undefined;
  const code = known?.code ?? 'internal_error';
  const info = ERROR_CODES[code];
  return {
    type: `${PROBLEM_TYPE_BASE}${code}`,
    title: info.title,
    status: info.status,
    detail: known?.message ?? 'The request could not be completed because of an internal error.',
    code,
    retriable: known?.retriable ?? info.retriable,
    ...(extra.instance === undefined ? {} : { instance: extra.instance }),
    ...(extra.requestId === undefined ? {} : { requestId: extra.requestId }),
  };
}
