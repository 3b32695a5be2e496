import { compilePolicy, type AccessPolicy } from '@kopir/access-policy';
import {
  FederationIndex,
  serviceValidators,
  type FederationDocument,
  type ServiceDefinition,
  type ServiceValidators,
} from '@kopir/federation';

/** What the gateway derives from one federation document; replaced as a whole when a new document is in force. */
export interface FederationView {
  readonly document: FederationDocument;
  readonly index: FederationIndex;
  readonly policy: AccessPolicy;
  readonly validators: ReadonlyMap<string, ServiceValidators>;
}

/**
 * Compiles a federation document into the gateway's lookups. The quota ledger of the previous policy is carried
 * over, so a reload never resets anyone's rate limit or daily quota.
 */
export function compileFederation(
  document: FederationDocument,
  previous: FederationView | undefined,
  instances: number,
): FederationView {
  return {
    document,
    index: new FederationIndex(document),
    policy: compilePolicy(document, { instances, ...(previous ? { ledger: previous.policy.ledger } : {}) }),
    validators: serviceValidators(document),
  };
}

/**
 * How long the gateway waits for a service's provider: the service's own `timeoutSeconds` from the federation
 * document, else the gateway's GATEWAY_PROVIDER_TIMEOUT. The relay waits this long and the catalog tells callers.
 */
export function providerTimeoutMs(service: Pick<ServiceDefinition, 'timeoutSeconds'>, defaultMs: number): number {
  return service.timeoutSeconds !== undefined ? service.timeoutSeconds * 1000 : defaultMs;
}
