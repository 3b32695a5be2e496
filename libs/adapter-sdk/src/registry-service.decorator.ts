import { KopirError } from '@kopir/contracts';
import type { AdapterHandler, AdapterRequest } from './adapter-request';

// Plain TypeScript decorators (no Nest import): the core stays usable without Nest, and the Nest module reads the
// same registry to find the handlers of its provider classes.
const registry = new WeakMap<object, Map<string, string | symbol>>();

const SERVICE_NAME = /^[a-z][a-z0-9-]{1,63}$/;

/**
 * Marks a method as the handler of one service of this adapter's system, by its short name:
 * `@RegistryService('person-by-iin')` on a provider of `mju/population` answers `mju/population/person-by-iin`.
 * The method receives an {@link AdapterRequest} and returns the full answer (or a promise of it).
 */
export function RegistryService(service: string): MethodDecorator {
  if (!SERVICE_NAME.test(service)) {
    throw new KopirError('config_invalid', `@RegistryService: ${JSON.stringify(service)} is not a service name`);
  }
  return (target, method) => {
    const byService = registry.get(target) ?? new Map<string, string | symbol>();
    if (byService.has(service)) {
      throw new KopirError('config_invalid', `@RegistryService('${service}') is declared twice`);
    }
    byService.set(service, method);
    registry.set(target, byService);
  };
}

/** The handlers an instance declares with {@link RegistryService} (including those of its base classes). */
export function handlersOf(instance: object): AdapterHandler[] {
  const handlers: AdapterHandler[] = [];
  for (let proto: object | null = Object.getPrototypeOf(instance) as object | null; proto;) {
    for (const [service, method] of registry.get(proto) ?? []) {
      if (handlers.some((h) => h.service === service)) continue;
      const fn = (instance as Record<string | symbol, unknown>)[method];
      if (typeof fn !== 'function') continue;
      handlers.push({
        service,
        handle: (request: AdapterRequest) => (fn as (r: AdapterRequest) => unknown).call(instance, request),
      });
    }
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return handlers;
}
