import type { ValidateFunction } from 'ajv';
import type { FederationDocument } from './federation-document';
import { schemaCompiler } from './validate-federation';

/** Compiled JSON Schema validators of one service's request body and full answer. */
export interface ServiceValidators {
  readonly request: ValidateFunction;
  readonly response: ValidateFunction;
}

/**
 * Compiles every service's request and response schema once (the gateway checks request bodies, adapters their
 * answers). Run after a reload, beside the access policy, so that a request never meets a half-updated catalogue.
 */
export function serviceValidators(document: FederationDocument): ReadonlyMap<string, ServiceValidators> {
  const ajv = schemaCompiler();
  return new Map(
    document.services.map((s) => [s.id, { request: ajv.compile(s.request), response: ajv.compile(s.response) }]),
  );
}
