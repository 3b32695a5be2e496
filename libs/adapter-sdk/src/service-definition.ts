import { parseServiceId, requestTopic } from '@kopir/contracts';
import type { Sensitivity, ServiceDefinition } from '@kopir/federation';

/** What an adapter author writes about a service; {@link serviceDefinition} fills in the rest. */
export interface ServiceContract {
  /** `<agency>/<system>/<service>`. */
  readonly id: string;
  readonly description: string;
  /** JSON Schema (draft-07) of the request body. */
  readonly request: Readonly<Record<string, unknown>>;
  /** JSON Schema of the full answer (default: an object). */
  readonly response?: Readonly<Record<string, unknown>>;
  /** The answer's top-level fields, the names access rules grant; sensitivity `personal` unless given. */
  readonly fields: readonly (string | { readonly name: string; readonly sensitivity: Sensitivity })[];
  readonly version?: string;
  /** How long the gateway waits for this service's answer, in seconds (default: the gateway's, 10 s). */
  readonly timeoutSeconds?: number;
  /**
   * The top-level request member naming whom the data is about (e.g. `iin`): the gateway and the SDK then refuse a
   * request whose Kopir-Subject is not that value, so the audit log names the person actually looked up.
   */
  readonly subjectField?: string;
}

/**
 * The federation entry of a service (`services:` in the federation document): the topic is the agency's request
 * topic. Adapters declare theirs in their AdapterDefinition, so the contract tests and the scaffolding print the
 * same definition that the federation authority adds.
 */
export function serviceDefinition(contract: ServiceContract): ServiceDefinition {
  const { agency } = parseServiceId(contract.id);
  return {
    id: contract.id,
    version: contract.version ?? '1.0.0',
    description: contract.description,
    topic: requestTopic(agency),
    request: { ...contract.request },
    response: { ...(contract.response ?? { type: 'object' }) },
    fields: contract.fields.map((f) => (typeof f === 'string' ? { name: f, sensitivity: 'personal' } : { ...f })),
    ...(contract.timeoutSeconds !== undefined ? { timeoutSeconds: contract.timeoutSeconds } : {}),
    ...(contract.subjectField !== undefined ? { subjectField: contract.subjectField } : {}),
  };
}
