/**
 * What a handler receives: the gateway's envelope after every check passed (signature by a gateway key the
 * federation lists, freshness, replay, service, request schema). Nothing in it has to be checked again.
 */
export interface AdapterRequest<TBody = unknown> {
  readonly requestId: string;
  /** The full service id, `<agency>/<system>/<service>`. */
  readonly service: string;
  /** The consumer system, `<agency>/<system>`, as the gateway authenticated it (mutual TLS). */
  readonly client: string;
  /** The legal purpose the consumer declared and the access rule allows. */
  readonly purpose: string;
  /** Whose data is asked for (an IIN for the reference registries). */
  readonly subject: string;
  /** The answer fields the access rule allows; the SDK removes every other field after the handler returns. */
  readonly fields: readonly string[];
  /** The request body, valid against the service's request schema. */
  readonly body: TBody;
}

/** A service's implementation: returns the full answer (the SDK masks it) or throws a KopirError. */
export type AdapterHandlerFunction = (request: AdapterRequest) => unknown;

/** One service this adapter answers, by its short name (`person-by-iin`). */
export interface AdapterHandler {
  readonly service: string;
  readonly handle: AdapterHandlerFunction;
}

/** Where the SDK reports (Nest's Logger fits). */
export interface AdapterLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}
