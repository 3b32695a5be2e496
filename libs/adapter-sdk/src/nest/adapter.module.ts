import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type Provider,
  type Type,
} from '@nestjs/common';
import type { ServiceDefinition } from '@kopir/federation';
import { AdapterRuntime, type AdapterRuntimeOptions } from '../adapter-runtime';
import { handlersOf } from '../registry-service.decorator';

/** An adapter as its app declares it: its system, the provider classes with @RegistryService methods, their deps. */
export interface AdapterDefinition {
  /** `<agency>/<system>`, e.g. `mju/population`. */
  readonly system: string;
  /** Classes whose methods carry @RegistryService; Nest builds them (they may inject `providers`). */
  readonly handlers: readonly Type<object>[];
  /** What the handlers inject (a store, a client of the registry's own database...). */
  readonly providers?: readonly Provider[];
  /** The federation entries of its services (see serviceDefinition): what the contract tests run against. */
  readonly services?: readonly ServiceDefinition[];
}

/** Everything but the system and its handlers: keys, federation, Kafka, concurrency, health (runAdapter sets them). */
export type AdapterSettings = Omit<AdapterRuntimeOptions, 'system' | 'handlers'>;

/** Starts consuming when the application has started, stops before it closes. */
@Injectable()
class AdapterLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(AdapterRuntime) private readonly runtime: AdapterRuntime) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.runtime.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runtime.stop();
  }
}

/**
 * Nest wiring of an adapter: `AdapterModule.forRoot(definition, settings)` builds the handler classes, collects
 * their @RegistryService methods and runs them behind the SDK's checks. Create it with
 * `NestFactory.createApplicationContext` (no HTTP server: an adapter listens on no port), or let `runAdapter` do it.
 */
@Module({})
export class AdapterModule {
  static forRoot(definition: AdapterDefinition, settings: AdapterSettings): DynamicModule {
    return {
      module: AdapterModule,
      providers: [
        ...(definition.providers ?? []),
        ...definition.handlers,
        {
          provide: AdapterRuntime,
          inject: [...definition.handlers],
          useFactory: (...instances: object[]) =>
            new AdapterRuntime({
              ...settings,
              system: definition.system,
              handlers: instances.flatMap((instance) => handlersOf(instance)),
            }),
        },
        AdapterLifecycle,
      ],
      exports: [AdapterRuntime],
    };
  }
}
