import { type DynamicModule, Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { FederationLoader, type FederationLoaderOptions } from './federation-loader';

const OPTIONS = Symbol('FEDERATION_LOADER_OPTIONS');

/** Stops watching the federation file when the application shuts down. */
@Injectable()
class FederationWatchCloser implements OnApplicationShutdown {
  constructor(@Inject(FederationLoader) private readonly loader: FederationLoader) {}

  async onApplicationShutdown(): Promise<void> {
    await this.loader.close();
  }
}

/**
 * Nest wiring of the federation loader: `FederationModule.forRoot(options)` loads the signed document before the
 * application starts (a bad one stops the start), watches it, and provides the FederationLoader to inject. Compile
 * the access policy in `options.onChange`, or read `loader.current` per request.
 */
@Module({})
export class FederationModule {
  static forRoot(options: Omit<FederationLoaderOptions, 'logger'>): DynamicModule {
    return {
      module: FederationModule,
      global: true,
      providers: [
        { provide: OPTIONS, useValue: options },
        {
          provide: FederationLoader,
          inject: [OPTIONS],
          useFactory: async (opts: FederationLoaderOptions) => {
            const loader = new FederationLoader({ ...opts, logger: new Logger('Federation') });
            await loader.load();
            loader.watch();
            return loader;
          },
        },
        FederationWatchCloser,
      ],
      exports: [FederationLoader],
    };
  }
}
