import { Injectable } from '@nestjs/common';
import { KopirError } from '@kopir/contracts';
import { RegistryService, serviceDefinition, type AdapterDefinition, type AdapterRequest } from '@kopir/adapter-sdk';

/**
 * The contract of __AGENCY__/__SYSTEM__/__SERVICE__: the request schema the SDK checks bodies against (JSON Schema
 * draft-07) and the answer's top-level fields, the names access rules grant. Add this service to the federation
 * document (`kopir adapter new` printed its YAML) so that the gateway and the adapter use the same contract.
 */
export const __CONST___SERVICE = serviceDefinition(__CONTRACT__);

/** The answer of __SERVICE__: every field the registry has; the SDK removes what the caller's rule does not allow. */
export interface __PASCAL__Record {
  readonly iin: string;
  readonly status: 'registered' | 'deregistered';
  readonly registeredOn: string;
  readonly clinic: string;
}

/**
 * Replace this sample store with the registry's own database: open it read-only, and use parameterised queries only
 * (never build SQL from request values).
 */
@Injectable()
export class __PASCAL__Store {
  private readonly records = new Map<string, __PASCAL__Record>([
    ['900101300012', { iin: '900101300012', status: 'registered', registeredOn: '2015-03-02', clinic: 'Clinic No. 1' }],
    ['850615400127', { iin: '850615400127', status: 'deregistered', registeredOn: '2009-11-20', clinic: 'Clinic No. 4' }],
  ]);

  find(iin: string): __PASCAL__Record | undefined {
    return this.records.get(iin);
  }
}

/**
 * The handlers of __AGENCY__/__SYSTEM__. A handler runs only after the SDK verified the gateway's envelope (signature,
 * freshness, replay, that this system serves the service) and the body against the schema. It returns the full
 * answer or throws a KopirError with a stable code (not_found, request_invalid, provider_unavailable...); any other
 * error is answered as provider_error without its message.
 */
@Injectable()
export class __PASCAL__Handlers {
  constructor(private readonly store: __PASCAL__Store) {}

  @RegistryService('__SERVICE__')
  record(request: AdapterRequest<{ iin: string }>): __PASCAL__Record {
    const record = this.store.find(request.body.iin);
    // The message goes to another agency: never repeat the caller's value (it is citizen data).
    if (record === undefined) throw new KopirError('not_found', 'No record for this IIN in the __SYSTEM__ registry');
    return record;
  }
}

/** The adapter as runAdapter and the contract tests build it. */
export function __CAMEL__Adapter(): AdapterDefinition {
  return {
    system: '__AGENCY__/__SYSTEM__',
    handlers: [__PASCAL__Handlers],
    providers: [__PASCAL__Store],
    services: [__CONST___SERVICE],
  };
}
